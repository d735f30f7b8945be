package certs

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// TLSOptions are the inputs of a TLS secret check that do not come from the secret.
type TLSOptions struct {
	// Hosts must each be covered by the leaf's DNS SANs. Empty strings are skipped.
	Hosts []string
	// HostPath is the field path of Hosts[i], where an uncovered host is
	// reported (e.g. spec.tls[0].hosts[i]). Nil reports on the secret's field.
	HostPath func(i int) *field.Path
	// Now is the time validity is judged at; zero means time.Now() at the call.
	Now time.Time
	// AllowMisordered reports chain-order problems (key on a later certificate,
	// issuers out of order, duplicates) as warnings instead of errors. Secret
	// admission sets it: the controller always writes the normalized order.
	AllowMisordered bool
}

// hostPath is the path an uncovered Hosts[i] is reported on.
func (o *TLSOptions) hostPath(i int, fld *field.Path) *field.Path {
	if o.HostPath == nil {
		return fld
	}
	return o.HostPath(i)
}

// CheckTLSSecret parses and checks a TLS secret (tls.crt, tls.key) that the
// field fld references, in the order of docs/reference.md#tls-secrets; every
// finding about the secret is on fld, an uncovered host on its own path. The ServerCert is nil
// when the secret's data is unusable; chain-order findings leave it non-nil,
// since its Chain is the normalized order the controller writes.
//
// s must exist: a secret that is not found is the caller's case (a warning,
// and the default certificate meanwhile).
func CheckTLSSecret(s *corev1.Secret, fld *field.Path, opts TLSOptions) (*ServerCert, findings.Set) {
	return parseTLS(s).finish(s, fld, opts)
}

// tlsParsed is everything about a TLS secret that depends on its data only: what
// the cache keeps.
type tlsParsed struct {
	leaf *x509.Certificate // nil when no certificate matches a parsed key
	cert *ServerCert       // nil when the data is unusable
	// early holds the findings of the checks before validity and hosts, late
	// those after them, so findings come out in the order of
	// docs/reference.md#tls-secrets.
	early, late report
}

// tlsState is what the TLS checks read and fill in as the chain runs.
type tlsState struct {
	secret   *corev1.Secret
	certs    []*x509.Certificate // as given, in tls.crt's order
	key      crypto.Signer
	keyBlock *pem.Block
	order    []int // the normalized chain, as positions in certs
	others   []int // positions of certificates outside it
}

// tlsCheck is one check of a TLS secret's data. It reads and fills in st, adds
// what it finds to r, and returns false when the checks after it have nothing
// left to work on.
type tlsCheck func(st *tlsState, r *report) bool

// tlsChain is a list of checks run in order until one returns false.
type tlsChain []tlsCheck

func (c tlsChain) run(st *tlsState, r *report) bool {
	for _, check := range c {
		if !check(st, r) {
			return false
		}
	}
	return true
}

// tlsDataChecks are the checks before validity and host coverage.
var tlsDataChecks = tlsChain{
	secretTypeIsTLS,
	secretHasCertAndKey,
	certificatesParse,
	keyParses,
	keyMatchesLeaf,
	chainIsOrdered,
	keyIsStrong,
}

// tlsCallChecks depend on the call (the time, the hosts), so they are never
// cached. They are called directly rather than through a slice of funcs: an
// indirect call makes its arguments escape, and this runs on every cache hit.
func tlsCallChecks(p *tlsParsed, in *callInput, out *findings.Set) {
	leafIsCurrent(p, in, out)
	hostsAreCovered(p, in, out)
}

// tlsLateChecks come after host coverage in docs/reference.md#tls-secrets.
var tlsLateChecks = tlsChain{
	signaturesAreStrong,
}

// parseTLS runs the checks that depend on the secret's data only.
func parseTLS(s *corev1.Secret) *tlsParsed {
	p := &tlsParsed{}
	st := &tlsState{secret: s}
	if !tlsDataChecks.run(st, &p.early) {
		return p
	}
	tlsLateChecks.run(st, &p.late)
	p.leaf = st.certs[st.order[0]]
	if !p.early.hardFailed() && !p.late.hardFailed() {
		p.cert = newServerCert(st)
	}
	return p
}

// callInput is what the per-call checks get besides the parsed secret.
type callInput struct {
	fld  *field.Path
	opts TLSOptions
}

// finish attaches the cached findings to fld and runs the per-call checks.
func (p *tlsParsed) finish(s *corev1.Secret, fld *field.Path, opts TLSOptions) (*ServerCert, findings.Set) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	value := secretName(s)
	var out findings.Set
	p.early.attach(&out, fld, value, opts.AllowMisordered)
	if p.leaf != nil {
		tlsCallChecks(p, &callInput{fld: fld, opts: opts}, &out)
	}
	p.late.attach(&out, fld, value, opts.AllowMisordered)
	return p.cert, out
}

func secretName(s *corev1.Secret) string {
	if s == nil {
		return ""
	}
	return s.Name
}
