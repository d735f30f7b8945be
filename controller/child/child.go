// Package child starts the processes portcullis runs as its children (nginx;
// under `portcullis dev` also kube-apiserver and etcd) so that they end when
// portcullis ends, however it ends: each runs in its own process group and, on
// Linux, is sent a signal by the kernel when its parent dies, even by SIGKILL.
package child

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// Start starts cmd in its own process group, with sig as the signal it gets
// when portcullis dies (Linux; elsewhere only the process group is set).
func Start(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setDeathSignal(cmd.SysProcAttr, sig)
	return Do(cmd.Start)
}

// Do runs f on the one OS thread that lives as long as the process. The
// kernel sends a child its death signal when the *thread* that forked it
// exits, not the process, and the Go runtime ends a thread whenever a
// goroutine locked to it returns; a child forked from any other thread could
// be signalled while portcullis runs on. Whatever starts a child with a death
// signal (Start, or a library that forks, such as envtest) runs through Do.
func Do(f func() error) error {
	done := make(chan error, 1)
	spawner() <- func() { done <- f() }
	return <-done
}

// spawner is the goroutine locked to the forking thread, started on first
// use. It is never unlocked and never returns, so its thread is never ended.
var spawner = sync.OnceValue(func() chan<- func() {
	work := make(chan func())
	go func() {
		runtime.LockOSThread()
		for f := range work {
			f()
		}
	}()
	return work
})
