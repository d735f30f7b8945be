package dataplane

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// server is one host's server block: the owner's host-level settings, checked
// again, and every contribution's paths. A host whose settings cannot be
// served is rejected as a whole.
func (b *builder) server(name string, cs []contribution, owner *contribution) Server {
	s := Server{Host: name}
	for _, c := range cs {
		if !slices.Contains(s.Sources, c.ref) {
			s.Sources = append(s.Sources, c.ref)
		}
	}
	slices.SortFunc(s.Sources, func(x, y intent.ObjectRef) int { return cmp.Compare(x.String(), y.String()) })
	if owner == nil {
		s.Reject, s.Reason = true, "every Ingress naming the host is refused: "+cs[0].ref.String()+": "+cs[0].why
		return s
	}
	h := owner.host
	if err := b.hostTLS(&s, h); err != nil {
		return rejected(s, err.Error())
	}
	if err := b.clientAuth(&s, h); err != nil {
		return rejected(s, err.Error())
	}
	s.Redirect = Redirect{ToHTTPS: h.Redirect.ToHTTPS, Code: h.Redirect.Code}
	for _, e := range h.Redirect.Exempt {
		if SafePath(e) {
			s.Redirect.Exempt = append(s.Redirect.Exempt, e)
		}
	}
	if s.Redirect.ToHTTPS && !validRedirectCode(s.Redirect.Code) {
		return rejected(s, "redirect code "+strconv.Itoa(s.Redirect.Code)+" is not 301, 302, 307 or 308")
	}
	if h.HSTS != nil && s.TLS != nil && !s.TLS.Default {
		hsts := *h.HSTS
		s.HSTS = &hsts
	}
	s.ServerTokens = h.ServerTokens
	if fc := h.FailClosed; fc != nil {
		if fc.Status == 0 {
			return rejected(s, fc.Reason)
		}
		s.Status, s.Reason = fc.Status, fc.Reason
		s.ClientAuth = nil
	}
	s.Locations = b.locations(cs, owner)
	if s.Status == 0 {
		s.AppRoot = appRoot(h.AppRoot, s.Locations)
	}
	if s.Status == 0 && h.WWWRedirect != "" {
		s.WWWRedirect = h.WWWRedirect // kept by wwwRedirects when it takes nothing
		s.WWWRedirectCode = b.opts.Config.HTTPRedirectCode
		if !validRedirectCode(s.WWWRedirectCode) {
			s.WWWRedirectCode = 308
		}
	}
	return s
}

// hostTLS resolves the host's certificate: its own secret, checked again now,
// or the default certificate when the intent says so.
func (b *builder) hostTLS(s *Server, h intent.Host) error {
	t := h.TLS
	if t == nil {
		return nil
	}
	if err := checkWords("ssl protocol", t.Protocols...); err != nil {
		return err
	}
	if err := checkWords("cipher string", t.Ciphers); err != nil {
		return err
	}
	out := &TLS{Protocols: t.Protocols, Ciphers: t.Ciphers, PreferServerCiphers: t.PreferServerCiphers}
	switch {
	case t.Certificate == intent.CertSecret && t.Secret != nil:
		sc, err := b.serverCert(*t.Secret)
		if err != nil {
			return err
		}
		out.Cert, out.NotAfter = b.servedPair("secret:"+t.Secret.String(), sc), sc.NotAfter
	case t.Certificate == intent.CertSecret:
		return errors.New("certificate secret not named")
	default:
		out.Cert, out.NotAfter = b.servedPair("default", b.opts.DefaultCertificate), b.opts.DefaultCertificate.NotAfter
		out.Default = true
	}
	s.TLS = out
	return nil
}

// clientAuth checks the host's client certificate verification again and
// records its CA and CRL files.
func (b *builder) clientAuth(s *Server, h intent.Host) error {
	a := h.ClientAuth
	if a == nil || a.Certificate == intent.ClientCertNone {
		return nil
	}
	if s.TLS == nil {
		return errors.New("client authentication without TLS")
	}
	switch a.Certificate {
	case intent.ClientCertRequired, intent.ClientCertOptional, intent.ClientCertOptionalUntrusted:
	default:
		return fmt.Errorf("client certificate policy %q is not required, optional or optionalUntrusted", a.Certificate)
	}
	if a.Depth < 0 || a.Depth > 100 {
		return fmt.Errorf("client verification depth %d out of range", a.Depth)
	}
	out := &ClientAuth{Certificate: a.Certificate, Depth: a.Depth, PassCertificate: a.PassCertificate}
	switch {
	case a.CA.Name != "":
		ca, crl, err := b.caFiles(a.CA)
		if err != nil {
			return err
		}
		out.CA, out.CRL = ca, crl
	case a.Certificate != intent.ClientCertOptionalUntrusted:
		return errors.New("client verification without a CA")
	}
	if a.ErrorPage != "" {
		if !SafeText(a.ErrorPage) {
			return errors.New("client auth error page is not a plain URL")
		}
		out.ErrorPage = a.ErrorPage
	}
	if a.MatchCN != "" {
		if !SafeRegex(a.MatchCN) {
			return errors.New("match-cn is not a usable regular expression")
		}
		out.MatchCN = a.MatchCN
	}
	s.ClientAuth = out
	return nil
}

// rejected refuses a host's TLS handshakes: nothing of what it asked for is kept.
func rejected(s Server, reason string) Server {
	return Server{Host: s.Host, Reject: true, Reason: reason, Sources: s.Sources}
}

func validRedirectCode(c int) bool { return c == 301 || c == 302 || c == 307 || c == 308 }
