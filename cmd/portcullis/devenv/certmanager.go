package devenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/seed-d040b84d/portcullis/controller/child"
)

// CertManagerVersion and PebbleVersion are the versions test/certmanager pins
// (its go.mod), and name the cache directory `make cert-manager-bin` fills.
const (
	CertManagerVersion = "v1.21.2"
	PebbleVersion      = "v2.10.3"
)

// certManagerBinaries are the programs `make cert-manager-bin` builds:
// cert-manager's controllers (with its HTTP-01 solver run in-process for
// solver Pods), Let's Encrypt's ACME test server and its DNS test server.
var certManagerBinaries = []string{"cert-manager-controller", "pebble", "pebble-challtestsrv"}

// CertManagerDir is where cert-manager's binaries and CRDs are:
// $PORTCULLIS_CERT_MANAGER when set, else the per-version cache.
func CertManagerDir() string {
	if d := os.Getenv("PORTCULLIS_CERT_MANAGER"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(filepath.Dir(AssetsDir())), "cert-manager", CertManagerVersion+"-pebble-"+PebbleVersion)
}

// CertManagerCRDDir is the directory of cert-manager's CRDs in dir.
func CertManagerCRDDir(dir string) string { return filepath.Join(dir, "crds") }

// CheckCertManager reports, with the command that fixes it, what is missing
// from dir.
func CheckCertManager(dir string) error {
	for _, bin := range certManagerBinaries {
		p := filepath.Join(dir, bin)
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("%s not found at %s: run make cert-manager-bin (or set PORTCULLIS_CERT_MANAGER)", bin, p)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(CertManagerCRDDir(dir), "*.yaml")); len(m) == 0 {
		return fmt.Errorf("no cert-manager CRDs in %s: run make cert-manager-bin", CertManagerCRDDir(dir))
	}
	return nil
}

// CertManagerOptions configures StartCertManager.
type CertManagerOptions struct {
	// Dir holds the binaries (CertManagerDir).
	Dir string
	// StateDir receives the ACME server's configuration and TLS files and
	// each process's log.
	StateDir string
	// Kubeconfig is the API server the controllers run against.
	Kubeconfig string
	// ClusterResourceNamespace holds the Secrets ClusterIssuers refer to.
	ClusterResourceNamespace string
	// ChallengeAddress is the IPv4 address every name resolves to for the
	// ACME server and cert-manager's HTTP-01 self-check: where nginx listens
	// on port 80, the only port cert-manager's self-check uses.
	ChallengeAddress string
}

// CertManager is a running cert-manager with an ACME server.
type CertManager struct {
	// ACMEDirectory is the ACME server's directory URL.
	ACMEDirectory string
	// ACMEServerCA verifies the ACME server's own TLS certificate (an ACME
	// issuer's caBundle).
	ACMEServerCA []byte
	// ACMERoot is the root certificate the ACME server's certificates chain
	// to (PEM).
	ACMERoot []byte

	procs []*exec.Cmd
	logs  []*os.File
}

// StartCertManager runs the DNS test server (every name → ChallengeAddress),
// the ACME server validating HTTP-01 on port 80 through it, and cert-manager's
// controllers, and returns once the ACME server answers.
func StartCertManager(ctx context.Context, o CertManagerOptions) (*CertManager, error) {
	if err := CheckCertManager(o.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, err
	}
	ports, err := LoopbackPorts(5)
	if err != nil {
		return nil, err
	}
	dns, acme, mgmt, tlsALPN, dnsMgmt := ports[0], ports[1], ports[2], ports[3], ports[4]
	cm := &CertManager{ACMEDirectory: fmt.Sprintf("https://127.0.0.1:%d/dir", acme)}
	fail := func(err error) (*CertManager, error) {
		_ = cm.Stop()
		return nil, err
	}

	caPEM, certPEM, keyPEM, err := selfSignedServer("127.0.0.1")
	if err != nil {
		return fail(err)
	}
	cm.ACMEServerCA = caPEM
	certFile, keyFile := filepath.Join(o.StateDir, "acme-server.crt"), filepath.Join(o.StateDir, "acme-server.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return fail(err)
	}
	config, err := json.Marshal(map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acme),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmt),
		"certificate":             certFile,
		"privateKey":              keyFile,
		"httpPort":                80,
		"tlsPort":                 tlsALPN,
		"keyAlgorithm":            "ecdsa",
		"retryAfter":              map[string]int{"authz": 1, "order": 1},
	}})
	if err != nil {
		return fail(err)
	}
	configFile := filepath.Join(o.StateDir, "pebble.json")
	if err := os.WriteFile(configFile, config, 0o600); err != nil {
		return fail(err)
	}

	dnsAddr := fmt.Sprintf("127.0.0.1:%d", dns)
	steps := []struct {
		name string
		args []string
		env  []string
	}{
		{"pebble-challtestsrv", []string{"-defaultIPv4", o.ChallengeAddress, "-defaultIPv6", "", "-dnsserver", dnsAddr,
			"-management", fmt.Sprintf("127.0.0.1:%d", dnsMgmt), "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""}, nil},
		// No random validation delay and no rejected nonces: the ACME
		// protocol as Let's Encrypt speaks it, without its chaos testing.
		{"pebble", []string{"-config", configFile, "-dnsserver", dnsAddr}, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}},
		{"cert-manager-controller", []string{"--kubeconfig", o.Kubeconfig, "--cluster-resource-namespace", o.ClusterResourceNamespace,
			"--acme-http01-solver-nameservers", dnsAddr}, nil},
	}
	for _, s := range steps {
		if err := cm.start(filepath.Join(o.Dir, s.name), s.args, s.env, filepath.Join(o.StateDir, s.name+".log")); err != nil {
			return fail(err)
		}
	}
	root, err := fetchRoot(ctx, fmt.Sprintf("https://127.0.0.1:%d/roots/0", mgmt), caPEM)
	if err != nil {
		return fail(err)
	}
	cm.ACMERoot = root
	return cm, nil
}

func (cm *CertManager) start(bin string, args, env []string, logPath string) error {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	cm.logs = append(cm.logs, logFile)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, and gone with this process however it ends.
	if err := child.Start(cmd, syscall.SIGTERM); err != nil {
		return fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	cm.procs = append(cm.procs, cmd)
	return nil
}

// Stop ends the processes (last started first) and waits for them.
func (cm *CertManager) Stop() error {
	var errs []error
	for i := len(cm.procs) - 1; i >= 0; i-- {
		p := cm.procs[i]
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
			errs = append(errs, fmt.Errorf("%s did not stop within 10s of SIGTERM", filepath.Base(p.Path)))
		}
	}
	cm.procs = nil
	for _, f := range cm.logs {
		_ = f.Close()
	}
	cm.logs = nil
	return errors.Join(errs...)
}

// fetchRoot reads the ACME server's root certificate from its management
// interface, retrying until it listens.
func fetchRoot(ctx context.Context, url string, serverCA []byte) ([]byte, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(serverCA)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		root, err := get(ctx, c, url)
		if err == nil {
			return root, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the ACME server's root certificate: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	if b, _ := pem.Decode(body); b == nil || b.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: not a PEM certificate", url)
	}
	return body, nil
}

// LoopbackPorts returns n distinct TCP ports on 127.0.0.1, free a moment ago.
func LoopbackPorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// selfSignedServer makes a CA and a serving certificate for ip, signed by it,
// for the ACME server's own TLS.
func selfSignedServer(ip string) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "portcullis dev ACME server CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IPAddresses: []net.IP{net.ParseIP(ip)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// ChallengeAddress finds a loopback address whose port 80 is free, for
// nginx's HTTP listener, so HTTP-01 validation (always on port 80) reaches
// it; several test processes each take their own. Another process binding
// port 80 on every address for a moment (nginx -t of a configuration that
// listens on port 80 does) makes every address busy meanwhile, so it keeps
// trying for up to ten seconds.
func ChallengeAddress() (string, error) {
	var last error
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 64 || time.Now().Before(deadline); i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(250))
		if err != nil {
			return "", err
		}
		addr := "127.0." + strconv.Itoa(200+i%50) + "." + strconv.Itoa(int(n.Int64())+2)
		l, err := net.Listen("tcp", net.JoinHostPort(addr, "80"))
		if err != nil {
			last = err
			time.Sleep(10 * time.Millisecond)
			continue
		}
		_ = l.Close()
		return addr, nil
	}
	return "", fmt.Errorf("no loopback address with port 80 free (HTTP-01 validation needs port 80: run as root or with CAP_NET_BIND_SERVICE): %w", last)
}
