//go:build !linux

package child

import "syscall"

// Only Linux has a death signal; elsewhere children end with portcullis when
// it stops them.
func setDeathSignal(*syscall.SysProcAttr, syscall.Signal) {}

// Wrap returns binary itself: without a death signal there is nothing to set.
func Wrap(_, binary string, _ syscall.Signal) (string, error) { return binary, nil }
