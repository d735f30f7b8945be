package tlsciphers

import "fmt"

// Bit masks over the table's columns, as OpenSSL's algorithm_mkey, _auth,
// _enc and _mac; a keyword is a mask per column and matches a cipher whose
// bits meet every non-zero mask.
const (
	kRSA uint32 = 1 << iota
	kDHE
	kECDHE
	kPSK
	kRSAPSK
	kECDHEPSK
	kDHEPSK
	kSRP
	kDHr
	kDHd
	kECDHr
	kECDHe
)

const (
	aRSA uint32 = 1 << iota
	aDSS
	aNULL
	aECDSA
	aPSK
	aSRP
	aDH
	aECDH
)

const (
	eDES uint32 = 1 << iota
	e3DES
	eRC4
	eRC2
	eIDEA
	eNULL
	eAES128
	eAES256
	eAES128GCM
	eAES256GCM
	eAES128CCM
	eAES256CCM
	eAES128CCM8
	eAES256CCM8
	eCAMELLIA128
	eCAMELLIA256
	eCHACHA20
	eARIA128GCM
	eARIA256GCM
	eSEED // no row: OpenSSL 3.0 does not build SEED, and it is not weak
)

const (
	mMD5 uint32 = 1 << iota
	mSHA1
	mSHA256
	mSHA384
	mAEAD
)

// Protocol versions as OpenSSL's min_tls.
const (
	vSSLv2  = 0x0002
	vSSLv3  = 0x0300
	vTLSv1  = 0x0301
	vTLSv12 = 0x0303
)

// masks are one cipher's bits, or one keyword's pattern.
type masks struct {
	kx, au, enc, mac uint32
	minTLS           int
	strength         strength // the strongMask part
	def              strength // notDefault or 0
}

var kxBits = map[string]uint32{
	"RSA": kRSA, "DH": kDHE, "ECDH": kECDHE, "PSK": kPSK, "RSAPSK": kRSAPSK, "ECDHEPSK": kECDHEPSK,
	"DHEPSK": kDHEPSK, "SRP": kSRP, "DH/RSA": kDHr, "DH/DSS": kDHd, "ECDH/RSA": kECDHr, "ECDH/ECDSA": kECDHe,
}

var auBits = map[string]uint32{
	"RSA": aRSA, "DSS": aDSS, "None": aNULL, "ECDSA": aECDSA, "PSK": aPSK, "SRP": aSRP, "DH": aDH, "ECDH": aECDH,
}

var encBits = map[string]uint32{
	"DES": eDES, "3DES": e3DES, "RC4": eRC4, "RC2": eRC2, "IDEA": eIDEA, "None": eNULL,
	"AES128": eAES128, "AES256": eAES256, "AESGCM128": eAES128GCM, "AESGCM256": eAES256GCM,
	"AESCCM128": eAES128CCM, "AESCCM256": eAES256CCM, "AESCCM8128": eAES128CCM8, "AESCCM8256": eAES256CCM8,
	"CAMELLIA128": eCAMELLIA128, "CAMELLIA256": eCAMELLIA256, "CHACHA20256": eCHACHA20,
	"ARIAGCM128": eARIA128GCM, "ARIAGCM256": eARIA256GCM,
}

var macBits = map[string]uint32{"MD5": mMD5, "SHA1": mSHA1, "SHA256": mSHA256, "SHA384": mSHA384, "AEAD": mAEAD}

var protocolVersions = map[string]int{"SSLv2": vSSLv2, "SSLv3": vSSLv3, "TLSv1": vTLSv1, "TLSv1.2": vTLSv12}

// cipherMasks are the table's rows as bits, in table order.
var cipherMasks = func() []masks {
	out := make([]masks, len(table))
	for i, c := range table {
		enc := c.Enc
		switch enc {
		case "DES", "3DES", "RC4", "RC2", "IDEA", "None":
		default:
			enc = fmt.Sprint(enc, c.Bits)
		}
		m := masks{
			kx: kxBits[baseName(c.Kx)], au: auBits[c.Au], enc: encBits[enc], mac: macBits[c.Mac],
			minTLS: protocolVersions[c.Protocol], strength: c.Strength & strongMask, def: c.Strength & notDefault,
		}
		if m.kx == 0 || m.au == 0 || m.enc == 0 || m.mac == 0 || m.minTLS == 0 {
			panic(fmt.Sprintf("tlsciphers: row %s has a column the masks do not know", c.Name))
		}
		out[i] = m
	}
	return out
}()

const (
	allAES      = eAES128 | eAES256 | eAES128GCM | eAES256GCM | eAES128CCM | eAES256CCM | eAES128CCM8 | eAES256CCM8
	allCAMELLIA = eCAMELLIA128 | eCAMELLIA256
	allARIA     = eARIA128GCM | eARIA256GCM
	allPSK      = kPSK | kRSAPSK | kECDHEPSK | kDHEPSK
)

// keyword is one entry of OpenSSL's alias table: a pattern, and whether it
// names a weak class outright (only such keywords, and cipher names, can
// bring in the historic ciphers OpenSSL 3.0 no longer builds).
type keyword struct {
	masks
	weak bool
}

// keywords are OpenSSL 3.0's cipher aliases (ssl/ssl_ciph.c cipher_aliases,
// doc/man1/openssl-ciphers.pod), plus EXP, EXPORT, EXPORT40, EXPORT56 and
// SSLv2 that OpenSSL 1.0.2 had. DEFAULT and the SUITEB strings are handled by
// Evaluate, as OpenSSL handles them, before the keywords.
var keywords = map[string]keyword{
	"ALL":                 {masks: masks{enc: ^eNULL}},
	"COMPLEMENTOFALL":     {masks: masks{enc: eNULL}, weak: true},
	"COMPLEMENTOFDEFAULT": {masks: masks{def: notDefault}},

	"kRSA": {masks: masks{kx: kRSA}}, "RSA": {masks: masks{kx: kRSA}},
	"kEDH": {masks: masks{kx: kDHE}}, "kDHE": {masks: masks{kx: kDHE}}, "DH": {masks: masks{kx: kDHE}},
	"EDH": {masks: masks{kx: kDHE, au: ^aNULL}}, "DHE": {masks: masks{kx: kDHE, au: ^aNULL}},
	"ADH":    {masks: masks{kx: kDHE, au: aNULL}, weak: true},
	"kEECDH": {masks: masks{kx: kECDHE}}, "kECDHE": {masks: masks{kx: kECDHE}}, "ECDH": {masks: masks{kx: kECDHE}},
	"EECDH": {masks: masks{kx: kECDHE, au: ^aNULL}}, "ECDHE": {masks: masks{kx: kECDHE, au: ^aNULL}},
	"AECDH": {masks: masks{kx: kECDHE, au: aNULL}, weak: true},
	"kPSK":  {masks: masks{kx: kPSK}}, "kRSAPSK": {masks: masks{kx: kRSAPSK}},
	"kECDHEPSK": {masks: masks{kx: kECDHEPSK}}, "kDHEPSK": {masks: masks{kx: kDHEPSK}},
	"PSK":  {masks: masks{kx: allPSK}},
	"kSRP": {masks: masks{kx: kSRP}}, "SRP": {masks: masks{kx: kSRP}},

	"aRSA": {masks: masks{au: aRSA}}, "aDSS": {masks: masks{au: aDSS}}, "DSS": {masks: masks{au: aDSS}},
	"aECDSA": {masks: masks{au: aECDSA}}, "ECDSA": {masks: masks{au: aECDSA}},
	"aPSK": {masks: masks{au: aPSK}}, "aSRP": {masks: masks{au: aSRP}},
	"aNULL": {masks: masks{au: aNULL}, weak: true},

	"eNULL": {masks: masks{enc: eNULL}, weak: true}, "NULL": {masks: masks{enc: eNULL}, weak: true},
	"DES": {masks: masks{enc: eDES}, weak: true}, "3DES": {masks: masks{enc: e3DES}, weak: true},
	"RC4": {masks: masks{enc: eRC4}, weak: true}, "RC2": {masks: masks{enc: eRC2}, weak: true},
	"IDEA":   {masks: masks{enc: eIDEA}},
	"SEED":   {masks: masks{enc: eSEED}},
	"AES128": {masks: masks{enc: eAES128 | eAES128GCM | eAES128CCM | eAES128CCM8}},
	"AES256": {masks: masks{enc: eAES256 | eAES256GCM | eAES256CCM | eAES256CCM8}},
	"AES":    {masks: masks{enc: allAES}}, "AESGCM": {masks: masks{enc: eAES128GCM | eAES256GCM}},
	"AESCCM":      {masks: masks{enc: eAES128CCM | eAES256CCM | eAES128CCM8 | eAES256CCM8}},
	"AESCCM8":     {masks: masks{enc: eAES128CCM8 | eAES256CCM8}},
	"CAMELLIA128": {masks: masks{enc: eCAMELLIA128}}, "CAMELLIA256": {masks: masks{enc: eCAMELLIA256}},
	"CAMELLIA": {masks: masks{enc: allCAMELLIA}}, "CHACHA20": {masks: masks{enc: eCHACHA20}},
	"ARIA128": {masks: masks{enc: eARIA128GCM}}, "ARIA256": {masks: masks{enc: eARIA256GCM}},
	"ARIA": {masks: masks{enc: allARIA}}, "ARIAGCM": {masks: masks{enc: allARIA}},
	"CBC": {masks: masks{enc: eDES | e3DES | eRC2 | eIDEA | eAES128 | eAES256 | allCAMELLIA}},

	"MD5":  {masks: masks{mac: mMD5}, weak: true},
	"SHA1": {masks: masks{mac: mSHA1}}, "SHA": {masks: masks{mac: mSHA1}},
	"SHA256": {masks: masks{mac: mSHA256}}, "SHA384": {masks: masks{mac: mSHA384}},

	"SSLv2": {masks: masks{minTLS: vSSLv2}, weak: true},
	"SSLv3": {masks: masks{minTLS: vSSLv3}}, "TLSv1": {masks: masks{minTLS: vTLSv1}},
	"TLSv1.0": {masks: masks{minTLS: vTLSv1}}, "TLSv1.2": {masks: masks{minTLS: vTLSv12}},

	"LOW": {masks: masks{strength: low}, weak: true}, "MEDIUM": {masks: masks{strength: medium}},
	"HIGH": {masks: masks{strength: high}}, "FIPS": {masks: masks{strength: fips}},
	"EXP": {masks: masks{strength: export40 | export56}, weak: true}, "EXPORT": {masks: masks{strength: export40 | export56}, weak: true},
	"EXPORT40": {masks: masks{strength: export40}, weak: true}, "EXPORT56": {masks: masks{strength: export56}, weak: true},
}
