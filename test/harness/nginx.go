package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-d040b84d/portcullis/controller/nginx"
)

// Nginx is an nginx master process started for one test.
type Nginx struct {
	Prefix string // nginx prefix directory (config, logs, temp paths)
	Conf   string // path of nginx.conf
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("harness: reserve a loopback port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// NginxMain returns the top of an nginx.conf that runs in the foreground with
// every writable path under prefix, with the stream module loaded when stream
// is true. Tests append their own http/stream blocks.
func NginxMain(t testing.TB, prefix string, stream bool) string {
	t.Helper()
	var b strings.Builder
	if stream {
		mod, err := nginx.FindStreamModule()
		if err != nil {
			t.Fatalf("harness: %v", err)
		}
		fmt.Fprintf(&b, "load_module %s;\n", mod)
	}
	fmt.Fprintf(&b, "daemon off;\nmaster_process on;\nworker_processes 1;\npid %s;\nerror_log %s info;\n",
		filepath.Join(prefix, "nginx.pid"), filepath.Join(prefix, "error.log"))
	if os.Geteuid() == 0 {
		b.WriteString("user root;\n") // workers read the 0600 files the test wrote
	}
	b.WriteString("events { worker_connections 256; }\n")
	return b.String()
}

// HTTPTempPaths are the http-level directives that keep nginx's temp files
// inside prefix (the default paths need root and a Debian layout).
func HTTPTempPaths(prefix string) string {
	var b strings.Builder
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "  %s_temp_path %s;\n", d, filepath.Join(prefix, d+"_temp"))
	}
	fmt.Fprintf(&b, "  access_log %s;\n", filepath.Join(prefix, "access.log"))
	return b.String()
}

// StartNginx writes conf to a fresh prefix directory, checks it with nginx -t,
// starts nginx and waits until every address in waitFor accepts connections.
// nginx is stopped when the test ends.
func StartNginx(t testing.TB, prefix, conf string, waitFor ...string) *Nginx {
	t.Helper()
	bin, err := nginx.FindBinary()
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatalf("harness: write nginx.conf: %v", err)
	}
	if out, err := exec.Command(bin, "-t", "-p", prefix, "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("harness: nginx -t: %v\n%s\n--- config ---\n%s", err, out, conf)
	}
	n := &Nginx{Prefix: prefix, Conf: confPath, stderr: &bytes.Buffer{}}
	n.cmd = exec.Command(bin, "-p", prefix, "-c", confPath)
	n.cmd.Stderr = n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("harness: start nginx: %v", err)
	}
	t.Cleanup(n.stop)
	for _, addr := range waitFor {
		if err := WaitForListener(addr, 10*time.Second); err != nil {
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("harness: nginx did not listen on %s: %v\nstderr: %s\nerror.log: %s", addr, err, n.stderr, log)
		}
	}
	return n
}

// stop asks nginx to quit gracefully (SIGQUIT) and kills it after 5 seconds.
func (n *Nginx) stop() {
	if n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(quitSignal)
	done := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = n.cmd.Process.Kill()
		<-done
	}
}

// WaitForListener polls addr until a TCP connection succeeds or timeout passes.
func WaitForListener(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", addr, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// NginxDir is a state directory for the nginx supervisor, removed when the
// test ends, that nginx's workers can reach: when the tests run as root they
// run as nobody, and the directory t.TempDir makes for the test is 0700, so
// it is made searchable (0711: not listable).
func NginxDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
		t.Fatalf("harness: %v", err)
	}
	return filepath.Join(dir, "nginx")
}
