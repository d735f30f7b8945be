package nginx

// The nginx process: started, watched, restarted with backoff, drained.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seed-d040b84d/portcullis/controller/child"
)

func (s *Supervisor) nginx(args ...string) *exec.Cmd {
	base := []string{"-p", s.cfg.Render.Prefix, "-e", filepath.Join(s.cfg.Render.Prefix, "error.log")}
	return exec.Command(s.cfg.Binary, append(base, args...)...)
}

// output runs cmd, a check that ends by itself, and returns what it printed;
// it is killed if the manager dies first.
func output(cmd *exec.Cmd) ([]byte, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := child.Start(cmd, syscall.SIGKILL); err != nil {
		return nil, err
	}
	err := cmd.Wait()
	return out.Bytes(), err
}

func (s *Supervisor) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// start runs nginx on the configuration in force and watches it: if it dies,
// it is restarted with backoff on the last good configuration.
func (s *Supervisor) start() error {
	cmd := s.nginx("-c", s.confPath())
	// A file (the manager's standard output for the access log) or
	// /dev/null: never a pipe a worker could hold open.
	cmd.Stdout, cmd.Stderr = nil, nil
	if s.cfg.Stdout != nil {
		cmd.Stdout = s.cfg.Stdout
	}
	// Its own process group, so workers a dead master leaves behind (holding
	// the listening sockets) can be ended with it; SIGTERM (nginx's fast
	// shutdown: the master ends its workers) if the manager dies without
	// stopping it.
	if err := child.Start(cmd, syscall.SIGTERM); err != nil {
		return fmt.Errorf("nginx supervisor: start nginx: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // orphaned workers, if any
		close(exited)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stopping || s.cmd != cmd {
			return
		}
		s.cfg.Log.Error(err, "nginx exited; restarting on the last good configuration", "restarts", s.restarts)
		go s.restart(cmd)
	}()
	return nil
}

// restart starts nginx again after a backoff, unless stopped meanwhile.
func (s *Supervisor) restart(dead *exec.Cmd) {
	s.mu.Lock()
	delay := min(100*time.Millisecond<<min(s.restarts, 6), 5*time.Second)
	s.restarts++
	s.mu.Unlock()
	time.Sleep(delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping || s.cmd != dead {
		return
	}
	if err := s.start(); err != nil {
		s.cfg.Log.Error(err, "nginx restart failed")
		go s.restart(s.cmd)
	}
}

// Stop drains nginx gracefully (SIGQUIT: in-flight requests complete) and
// kills it when ctx ends first.
func (s *Supervisor) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-exited
		return ctx.Err()
	}
}

// oldWorkersGone reports whether the master runs only its configured number
// of serving workers: after a reload, workers of the previous generation keep
// accepting on the shared sockets until they start shutting down ("worker
// process is shutting down"). Without /proc it cannot tell and says yes.
func (s *Supervisor) oldWorkersGone() bool {
	pid := s.cmd.Process.Pid
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return true
	}
	serving := 0
	for _, c := range strings.Fields(string(children)) {
		cmdline, err := os.ReadFile("/proc/" + c + "/cmdline")
		if err != nil {
			continue
		}
		if strings.TrimRight(string(cmdline), "\x00 ") == "nginx: worker process" {
			serving++
		}
	}
	return serving <= s.serving
}
