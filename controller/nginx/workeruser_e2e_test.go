//go:build e2e

package nginx

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
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

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/config"
)

// TestWorkersAreNotRoot runs the supervisor as the tests run (root here):
// nginx's workers run as nobody, never root, and still read what they read
// at runtime: the served certificate at each handshake (dynamic
// certificates) and the htpasswd file at each request, while every other
// file (keys loaded by the master included) stays 0600. One supervisor goes
// from dynamic to static certificates and back, so the permissions follow a
// file from the master's alone to shared with the workers.
func TestWorkersAreNotRoot(t *testing.T) {
	objects, ca := tlsHosts(t, map[string]string{"web.example.test": "default"})
	for _, o := range objects {
		if ing, ok := o.(*networkingv1.Ingress); ok {
			ing.Annotations = map[string]string{
				"nginx.ingress.kubernetes.io/auth-type":   "basic",
				"nginx.ingress.kubernetes.io/auth-secret": "users",
			}
		}
	}
	objects = append(objects, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "users", ResourceVersion: "1"},
		Data: map[string][]byte{"auth": []byte("alice:" + bcryptAlice + "\n")}})
	wantUID, wantGID := os.Geteuid(), -1
	if wantUID == 0 {
		u, err := user.Lookup(DefaultWorkerUser)
		require.NoError(t, err)
		wantUID, _ = strconv.Atoi(u.Uid)
		wantGID, _ = strconv.Atoi(u.Gid)
	}

	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	sup, dir, httpPort, httpsPort := startSupervisor(t)
	c := client(httpsPort, httpPort, ca.Pool(), nil)
	for _, static := range []bool{false, true, false} {
		t.Run(fmt.Sprintf("static certificates=%v", static), func(t *testing.T) {
			_, err := sup.Apply(context.Background(), e2eModelWith(t, objects, def, func(c *config.Config) { c.StaticCertificates = static }))
			require.NoError(t, err)
			url := fmt.Sprintf("https://web.example.test:%d/", httpsPort)
			assert.Equal(t, http.StatusUnauthorized, get(t, c, url, nil).status)
			r := get(t, c, url, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))})
			assert.Equal(t, http.StatusOK, r.status, "the worker read the certificate and the htpasswd file: %s", r.body)

			workers := strings.Fields(nginxWorkers(t, sup))
			require.NotEmpty(t, workers)
			for _, pid := range workers {
				assert.Equal(t, []int{wantUID, wantUID, wantUID, wantUID}, procIDs(t, pid, "Uid:"), "worker %s's user (real, effective, saved, file system)", pid)
			}
			conf, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(conf), "\n")
			if wantGID >= 0 {
				assert.Equal(t, `user "nobody" "nogroup";`, first)
			} else {
				assert.False(t, strings.HasPrefix(first, "user "), "no user directive: %s", first)
			}

			files, err := os.ReadDir(filepath.Join(dir, "files"))
			require.NoError(t, err)
			kinds := map[string]bool{}
			for _, f := range files {
				kind, _, _ := strings.Cut(f.Name(), "-")
				kinds[kind] = true
				shared := wantGID >= 0 && (kind == "htpasswd" || kind == "tls" && !static)
				mode, gid := fileOwner(t, filepath.Join(dir, "files", f.Name()))
				if shared {
					assert.Equal(t, os.FileMode(0o640), mode, f.Name())
					assert.Equal(t, wantGID, gid, f.Name())
				} else {
					assert.Equal(t, os.FileMode(0o600), mode, "%s: read by the master only", f.Name())
				}
			}
			assert.True(t, kinds["tls"] && kinds["htpasswd"], "the files: %v", kinds)
			for _, d := range []string{dir, filepath.Join(dir, "files"), filepath.Join(dir, "run")} {
				mode, gid := fileOwner(t, d)
				if wantGID >= 0 {
					assert.Equal(t, os.FileMode(0o710), mode, d)
					assert.Equal(t, wantGID, gid, d)
				} else {
					assert.Equal(t, os.FileMode(0o700), mode, d)
				}
			}
		})
	}
}

// TestWorkersMustReachTheDirectory: as root, a state directory under one
// nobody cannot pass through is refused, naming the directory in the way.
func TestWorkersMustReachTheDirectory(t *testing.T) {
	closed := t.TempDir() // 0700 above it
	dir := filepath.Join(closed, "state")
	_, err := NewSupervisor(SupervisorConfig{Dir: dir, Render: Options{
		Address: "127.0.0.1", HTTPPort: 1, HTTPSPort: 2, StatusAddress: "127.0.0.1:3",
	}})
	if os.Geteuid() != 0 {
		require.NoError(t, err, "nginx runs as the manager's own user")
		return
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach "+dir+": "+filepath.Dir(closed)+" (mode -rwx------) is not searchable")
}

// procIDs are the four IDs on the line of /proc/<pid>/status that starts with key.
func procIDs(t *testing.T, pid, key string) []int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			var ids []int
			for _, f := range strings.Fields(rest) {
				n, err := strconv.Atoi(f)
				require.NoError(t, err)
				ids = append(ids, n)
			}
			return ids
		}
	}
	t.Fatalf("no %s in /proc/%s/status", key, pid)
	return nil
}

func fileOwner(t *testing.T, path string) (os.FileMode, int) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm(), int(fi.Sys().(*syscall.Stat_t).Gid)
}
