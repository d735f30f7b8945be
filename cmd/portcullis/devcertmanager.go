package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
)

// The ClusterIssuers portcullis dev creates, and where cert-manager keeps
// their Secrets.
const (
	devCAIssuer          = "dev-ca"
	devACMEIssuer        = "dev-acme"
	certManagerNamespace = "cert-manager"
)

// devCertManager is cert-manager and the ACME server as portcullis dev runs
// them.
type devCertManager struct {
	cm *devenv.CertManager
	// acmeRoot is the file of the ACME server's root certificate; empty when
	// dev-acme was not created, and noACME says why.
	acmeRoot, noACME string
	relay            *portRelay
}

// startDevCertManager runs cert-manager's controllers and the ACME server,
// and creates the ClusterIssuers: dev-ca, signing with the dev CA, and
// dev-acme, ACME with HTTP-01 through ingress class portcullis. HTTP-01 is
// validated on port 80 only (by the ACME server and by cert-manager's own
// self-check): every name resolves to a loopback address where dev relays
// port 80 to nginx's HTTP port, as a cluster's load balancer does. Without
// the privilege to bind port 80, dev-acme is left out.
func startDevCertManager(ctx context.Context, cfg *rest.Config, kubeconfig string, f devFlags, ca *demoCert) (*devCertManager, error) {
	d := &devCertManager{}
	addr, err := devenv.ChallengeAddress()
	if err == nil {
		d.relay, err = relayPort(net.JoinHostPort(addr, "80"), net.JoinHostPort("127.0.0.1", strconv.Itoa(f.httpPort)))
	}
	if err != nil {
		d.noACME, addr = err.Error(), "127.0.0.1"
	}
	d.cm, err = devenv.StartCertManager(ctx, devenv.CertManagerOptions{
		Dir: devenv.CertManagerDir(), StateDir: filepath.Join(f.stateDir, "cert-manager"), Kubeconfig: kubeconfig,
		ClusterResourceNamespace: certManagerNamespace, ChallengeAddress: addr,
	})
	if err != nil {
		d.stop()
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: certManagerScheme()})
	if err != nil {
		d.stop()
		return nil, err
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: certManagerNamespace}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: certManagerNamespace, Name: devCAIssuer}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": ca.pem, "tls.key": ca.kpem}},
		&cmapi.ClusterIssuer{ObjectMeta: metav1.ObjectMeta{Name: devCAIssuer},
			Spec: cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{CA: &cmapi.CAIssuer{SecretName: devCAIssuer}}}},
	}
	if d.noACME == "" {
		d.acmeRoot = filepath.Join(f.stateDir, "acme-root.crt")
		if err := os.WriteFile(d.acmeRoot, d.cm.ACMERoot, 0o600); err != nil {
			d.stop()
			return nil, err
		}
		class := "portcullis"
		objs = append(objs, &cmapi.ClusterIssuer{ObjectMeta: metav1.ObjectMeta{Name: devACMEIssuer},
			Spec: cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{ACME: &cmacme.ACMEIssuer{
				Server: d.cm.ACMEDirectory, CABundle: d.cm.ACMEServerCA,
				PrivateKey: cmmeta.SecretKeySelector{LocalObjectReference: cmmeta.LocalObjectReference{Name: devACMEIssuer + "-account"}},
				Solvers: []cmacme.ACMEChallengeSolver{{HTTP01: &cmacme.ACMEChallengeSolverHTTP01{
					Ingress: &cmacme.ACMEChallengeSolverHTTP01Ingress{IngressClassName: &class}}}},
			}}}})
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			d.stop()
			return nil, fmt.Errorf("create %T %s: %w", o, o.GetName(), err)
		}
	}
	return d, nil
}

func (d *devCertManager) stop() {
	if d.cm != nil {
		_ = d.cm.Stop()
	}
	if d.relay != nil {
		d.relay.close()
	}
}

// certManagerScheme holds the core kinds and cert-manager's.
func certManagerScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = corev1.AddToScheme(s)
	_ = cmapi.AddToScheme(s)
	_ = cmacme.AddToScheme(s)
	return s
}

// portRelay copies each connection to one address on to another.
type portRelay struct {
	l     net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func relayPort(from, to string) (*portRelay, error) {
	l, err := net.Listen("tcp", from)
	if err != nil {
		return nil, err
	}
	r := &portRelay{l: l, to: to, conns: map[net.Conn]bool{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

func (r *portRelay) accept() {
	defer r.wg.Done()
	for {
		in, err := r.l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		r.wg.Add(1)
		go r.pipe(in)
	}
}

func (r *portRelay) pipe(in net.Conn) {
	defer r.wg.Done()
	out, err := net.Dial("tcp", r.to)
	if err != nil {
		_ = in.Close()
		return
	}
	if !r.track(in, out) {
		return
	}
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go copyHalf(out, in)
	go copyHalf(in, out)
	<-done
	<-done
	r.untrack(in, out)
}

func (r *portRelay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns == nil {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	for _, c := range cs {
		r.conns[c] = true
	}
	return true
}

func (r *portRelay) untrack(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		_ = c.Close()
		delete(r.conns, c)
	}
}

// close stops accepting, closes every relayed connection and waits.
func (r *portRelay) close() {
	_ = r.l.Close()
	r.mu.Lock()
	for c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
}
