// Package tlsciphers evaluates OpenSSL cipher strings the way OpenSSL 3.0 does
// for TLS 1.2 and below, and says whether the ciphers a string selects include
// weak ones: no encryption, no authentication, export grade, RC4, DES, 3DES,
// an MD5 MAC or SSLv2. See docs/security.md#weak-tls-ciphers.
//
// TLS 1.3 cipher suites are not chosen by these strings (OpenSSL sets them
// apart, and nginx's ssl_ciphers leaves them alone), so they are not here.
package tlsciphers

import "strings"

// Cipher is one row of the cipher table.
type Cipher struct {
	Name     string
	Protocol string // lowest protocol: SSLv2, SSLv3, TLSv1 or TLSv1.2
	Kx       string // key exchange as `openssl ciphers -v` spells it
	Au       string // authentication; "None" for anonymous ciphers
	Enc      string // bulk cipher; "None" for no encryption
	Bits     int    // the bulk cipher's key bits (0 for None)
	Mac      string
	Strength strength
	Compiled bool // OpenSSL 3.0 builds it; false for historic ciphers
}

const (
	compiled = true
	historic = false
)

// strength mirrors OpenSSL's algo_strength bits, with export grade (gone from
// OpenSSL 1.1.0 on) as two more.
type strength uint16

const (
	none       strength = 1 << iota // no encryption
	low                             // 56-bit DES and 64-bit RC4
	medium                          // RC4, 3DES, RC2, IDEA
	high                            // everything OpenSSL 3.0 builds but the NULL ciphers
	fips                            // allowed in FIPS mode
	export40                        // 40-bit export grade
	export56                        // 56-bit export grade
	notDefault                      // left out of DEFAULT (COMPLEMENTOFDEFAULT)
)

const strongMask = none | low | medium | high | fips | export40 | export56

// Weakness is one reason a cipher is weak, with the keyword that excludes it.
type Weakness struct {
	Keyword string // the OpenSSL keyword naming the class, as in "!" + Keyword
	What    string // "RC4 ciphers"
	Why     string // "are broken"
}

// The weaknesses, most serious first; a cipher's first match names it.
var (
	WeakNull   = Weakness{"eNULL", "ciphers without encryption", "send traffic in clear text"}
	WeakAnon   = Weakness{"aNULL", "anonymous ciphers", "authenticate no server, so anyone in the path can impersonate it"}
	WeakExport = Weakness{"EXP", "export-grade ciphers", "use 40- or 56-bit keys broken in hours"}
	WeakSSLv2  = Weakness{"SSLv2", "SSLv2 ciphers", "belong to a broken protocol"}
	WeakRC4    = Weakness{"RC4", "RC4 ciphers", "are broken"}
	WeakDES    = Weakness{"DES", "single-DES ciphers", "use 56-bit keys broken in hours"}
	Weak3DES   = Weakness{"3DES", "3DES ciphers", "have 64-bit blocks open to the Sweet32 attack"}
	WeakMD5    = Weakness{"MD5", "ciphers with an MD5 MAC", "rely on a broken hash"}
)

// weaknesses are the kinds of weak cipher, most serious first.
var weaknesses = []Weakness{WeakNull, WeakAnon, WeakExport, WeakSSLv2, WeakRC4, WeakDES, Weak3DES, WeakMD5}

// Weakness returns why c is weak (its most serious weakness), or false when
// it is not.
func (c Cipher) Weakness() (Weakness, bool) {
	for _, w := range weaknesses {
		if c.has(w) {
			return w, true
		}
	}
	return Weakness{}, false
}

// has reports whether c has weakness w.
func (c Cipher) has(w Weakness) bool {
	switch w {
	case WeakNull:
		return c.Enc == "None"
	case WeakAnon:
		return c.Au == "None"
	case WeakExport:
		return c.Strength&(export40|export56) != 0
	case WeakSSLv2:
		return c.Protocol == "SSLv2"
	case WeakRC4:
		return c.Enc == "RC4"
	case WeakDES:
		return c.Enc == "DES"
	case Weak3DES:
		return c.Enc == "3DES"
	case WeakMD5:
		return c.Mac == "MD5"
	}
	return false
}

// Table returns a copy of the cipher table.
func Table() []Cipher { return append([]Cipher(nil), table...) }

// lookupCipher returns the index of the named cipher, or -1. Names are
// case-sensitive, as in OpenSSL.
func lookupCipher(name string) int {
	for i := range table {
		if table[i].Name == name {
			return i
		}
	}
	return -1
}

func baseName(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		return s[:i]
	}
	return s
}
