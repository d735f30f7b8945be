// Package nginx owns everything portcullis does with nginx: finding the binary
// and its dynamic modules, rendering configuration from the dataplane model, and
// supervising the nginx process.
package nginx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Environment variables that override where nginx and its modules are found.
const (
	EnvBinary  = "PORTCULLIS_NGINX"
	EnvModules = "PORTCULLIS_NGINX_MODULES"
)

// DebianModulesDir is where Debian's libnginx-mod-* packages install modules.
const DebianModulesDir = "/usr/lib/nginx/modules"

// StreamModule is the file name of the stream module (stream, stream_ssl_preread).
const StreamModule = "ngx_stream_module.so"

// ErrNotFound is returned when nginx or a required module cannot be found.
var ErrNotFound = errors.New("not found")

// FindBinary returns the nginx binary: $PORTCULLIS_NGINX if set, else nginx on
// PATH, else /usr/sbin/nginx (Debian installs it there, outside a non-root PATH).
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBinary, p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if executable("/usr/sbin/nginx") == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", fmt.Errorf("nginx %w on PATH, in /usr/sbin, or in $%s: install nginx-light and libnginx-mod-stream (make deps)", ErrNotFound, EnvBinary)
}

// FindStreamModule returns the path of the stream module: in
// $PORTCULLIS_NGINX_MODULES if set, else in Debian's module directory.
func FindStreamModule() (string, error) {
	dir := os.Getenv(EnvModules)
	if dir == "" {
		dir = DebianModulesDir
	}
	p := filepath.Join(dir, StreamModule)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("nginx stream module %w at %s: install libnginx-mod-stream (make deps) or set $%s", ErrNotFound, p, EnvModules)
	}
	return p, nil
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
