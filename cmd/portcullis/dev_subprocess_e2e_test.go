//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestDevAsACommand runs the built binary, `portcullis dev --no-demo
// --ready-file …`, as a newcomer would, on free ports: it applies a TLS
// Ingress through the kubeconfig dev wrote, sends real HTTPS traffic through
// nginx to a local backend, then stops dev with SIGTERM (or SIGHUP: the
// terminal of `make run` closed; or SIGKILL, which dev cannot handle: its
// children's death signal ends them) and checks that every process it
// started (kube-apiserver, etcd, nginx and its workers, cert-manager's
// controllers and the ACME server with its DNS server) has exited and no
// port it served still listens.
func TestDevAsACommand(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "portcullis")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) { devStopsOn(t, bin, sig) })
	}
}

func devStopsOn(t *testing.T, bin string, sig syscall.Signal) {
	state := harness.NginxDir(t)
	ready := filepath.Join(t.TempDir(), "ready")
	ports := map[string]int{"webhook": harness.FreePort(t), "http": harness.FreePort(t), "https": harness.FreePort(t)}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "dev", "--no-demo", "--state-dir", state, "--ready-file", ready,
		"--webhook-port", strconv.Itoa(ports["webhook"]), "--http-port", strconv.Itoa(ports["http"]),
		"--https-port", strconv.Itoa(ports["https"]))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			logs, _ := os.ReadFile(filepath.Join(state, "portcullis.log"))
			t.Logf("stdout:\n%s\nstderr:\n%s\nportcullis.log:\n%s", &stdout, &stderr, logs)
		}
	})
	deadline := time.After(120 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("dev exited before it was ready: %v", err)
		case <-deadline:
			t.Fatal("dev was not ready within 120s")
		case <-time.After(100 * time.Millisecond):
		}
	}
	started := descendants(cmd.Process.Pid)
	names := map[string]bool{}
	for _, pid := range started {
		names[processName(pid)] = true
	}
	// /proc's comm: the first 15 bytes of each name.
	for _, want := range []string{"kube-apiserver", "etcd", "nginx", "cert-manager-co", "pebble", "pebble-challtes"} {
		assert.True(t, names[want], "dev runs %s (its processes: %v)", want, names)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "kubeconfig"))
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: apis.Scheme})
	require.NoError(t, err)
	ctx := context.Background()

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend saw %s %s\n", r.Host, r.URL.Path)
	}))
	defer backend.Close()
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("app.example.com"))
	require.NoError(t, err)
	class, prefix := "portcullis", networkingv1.PathTypePrefix
	require.NoError(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app-tls"},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()}}))
	require.NoError(t, c.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}}))
	require.NoError(t, c.Create(ctx, &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Spec: networkingv1.IngressSpec{IngressClassName: &class,
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"app.example.com"}, SecretName: "app-tls"}},
			Rules: []networkingv1.IngressRule{{Host: "app.example.com", IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "app",
						Port: networkingv1.ServiceBackendPort{Number: int32(backendPort)}}}}}},
			}}}},
	}))

	https := "127.0.0.1:" + strconv.Itoa(ports["https"])
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, https)
		},
	}}
	var body string
	var last error
	ok := assert.Eventually(t, func() bool {
		resp, err := hc.Get(fmt.Sprintf("https://app.example.com:%d/hello", ports["https"]))
		if err != nil {
			last = err
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body, last = string(b), fmt.Errorf("status %d", resp.StatusCode)
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 200*time.Millisecond)
	require.True(t, ok, "the Ingress was never served: %v", last)
	assert.Equal(t, "backend saw app.example.com /hello\n", body)
	hc.CloseIdleConnections()
	assert.Eventually(t, func() bool {
		var ing networkingv1.Ingress
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "app"}, &ing); err != nil {
			return false
		}
		lb := ing.Status.LoadBalancer.Ingress
		return len(lb) == 1 && lb[0].IP == "127.0.0.1"
	}, 30*time.Second, 200*time.Millisecond, "kubectl get ingress shows where dev serves it")

	// nginx's workers since the Ingress was loaded, too.
	for _, pid := range descendants(cmd.Process.Pid) {
		if !slices.Contains(started, pid) {
			started = append(started, pid)
		}
	}
	require.NoError(t, cmd.Process.Signal(sig))
	select {
	case err := <-exited:
		if sig == syscall.SIGKILL {
			require.ErrorContains(t, err, "killed")
		} else {
			require.NoError(t, err, "dev exits 0 on %s", sig)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("dev did not exit within 60s of %s", sig)
	}
	if sig != syscall.SIGKILL {
		assert.Contains(t, stdout.String(), "stopping")
	}
	var outlived []string
	assert.Eventually(t, func() bool {
		outlived = nil
		for _, pid := range started {
			if alive(pid) {
				outlived = append(outlived, fmt.Sprintf("%s (pid %d)", processName(pid), pid))
			}
		}
		return len(outlived) == 0
	}, 30*time.Second, 100*time.Millisecond, "processes dev started outlived it")
	assert.Empty(t, outlived, "processes dev started that outlived it")
	defer func() { // so that a failure here leaves no process holding a port
		for _, pid := range started {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	for name, port := range ports {
		_, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		assert.Error(t, err, "the %s port still listens after dev stopped", name)
	}
	_, err = net.DialTimeout("tcp", strings.TrimPrefix(cfg.Host, "https://"), time.Second)
	assert.Error(t, err, "the API server still listens after dev stopped")
}

// descendants lists the processes below pid, at any depth. A process's
// children are listed under the thread that started each, so every thread's
// list is read.
func descendants(pid int) []int {
	var out []int
	lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var all []string
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		all = append(all, strings.Fields(string(b))...)
	}
	for _, f := range all {
		child, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		out = append(out, child)
		out = append(out, descendants(child)...)
	}
	return out
}

// processName is the name of pid's executable (its comm).
func processName(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
}
