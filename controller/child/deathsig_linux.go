package child

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func setDeathSignal(attr *syscall.SysProcAttr, sig syscall.Signal) {
	attr.Pdeathsig = sig
}

// The environment of a wrapped program's first moments: what to execute,
// the death signal to set, and the parent that must still be alive.
const (
	envExec   = "PORTCULLIS_CHILD_EXEC"
	envSignal = "PORTCULLIS_CHILD_DEATH_SIGNAL"
	envParent = "PORTCULLIS_CHILD_PARENT"
)

// Wrap returns the path of an executable, written to dir, that runs binary
// with the arguments it is given and with sig as its death signal, for a
// child that portcullis does not fork itself (envtest starts kube-apiserver
// and etcd; its own process attributes cannot be set). The wrapper is a shell
// script that executes this program again; on its way in, this package's
// init sets the death signal and executes binary in its place, so the
// process keeps one pid and binary's name. Fork it through Do.
func Wrap(dir, binary string, sig syscall.Signal) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this program to wrap %s: %w", binary, err)
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	script := fmt.Sprintf("#!/bin/sh\nexport %s=%d %s=%d %s=%s\nexec %s \"$@\"\n",
		envParent, os.Getpid(), envSignal, int(sig), envExec, quote(abs), quote(self))
	path := filepath.Join(dir, filepath.Base(binary))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(script), 0o700); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// quote quotes s for the shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// init is the wrapped program's way in: with envExec set, it sets the death
// signal and replaces this program with the wrapped one before main runs.
func init() {
	target := os.Getenv(envExec)
	if target == "" {
		return
	}
	err := execWithDeathSignal(target)
	fmt.Fprintf(os.Stderr, "portcullis: run %s: %v\n", target, err)
	os.Exit(1)
}

func execWithDeathSignal(target string) error {
	sig, err := strconv.Atoi(os.Getenv(envSignal))
	if err != nil {
		return fmt.Errorf("%s: %w", envSignal, err)
	}
	parent, err := strconv.Atoi(os.Getenv(envParent))
	if err != nil {
		return fmt.Errorf("%s: %w", envParent, err)
	}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0, 0); errno != 0 {
		return fmt.Errorf("set the death signal: %w", errno)
	}
	// The parent may have died before the death signal was set.
	if os.Getppid() != parent {
		return fmt.Errorf("portcullis (pid %d) has exited", parent)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envExec+"=") && !strings.HasPrefix(kv, envSignal+"=") && !strings.HasPrefix(kv, envParent+"=") {
			env = append(env, kv)
		}
	}
	return syscall.Exec(target, append([]string{target}, os.Args[1:]...), env)
}
