package certs

import (
	"bytes"
	"encoding/pem"
	"fmt"
)

// pemScan is a PEM file cut into its blocks, with what lies outside them. It
// never keeps or reports the bytes of anything it could not read: a tls.key that
// fails to parse is still a private key.
type pemScan struct {
	blocks []*pem.Block
	// problems describe non-PEM data and broken blocks by offset and size only.
	problems []string
}

const (
	pemBegin = "-----BEGIN "
	pemEnd   = "-----END "
	pemDash  = "-----"
)

// scanPEM splits data into PEM blocks. Unlike pem.Decode, which skips anything
// it does not understand, it records every stretch of non-whitespace bytes
// outside a block and every block that does not decode.
func scanPEM(data []byte) pemScan {
	var out pemScan
	off := 0
	for {
		rest := data[off:]
		trimmed := bytes.TrimLeft(rest, " \t\r\n")
		off += len(rest) - len(trimmed)
		if len(trimmed) == 0 {
			return out
		}
		start := bytes.Index(trimmed, []byte(pemBegin))
		if start != 0 {
			junk := trimmed
			if start >= 0 {
				junk = trimmed[:start]
			}
			n := len(bytes.TrimRight(junk, " \t\r\n"))
			out.problems = append(out.problems, fmt.Sprintf("%d bytes of non-PEM data at byte %d", n, off))
			if start < 0 {
				return out
			}
			off += start
			continue
		}
		n, block, problem := decodeOne(trimmed)
		if problem != "" {
			out.problems = append(out.problems, fmt.Sprintf("%s at byte %d", problem, off))
		} else {
			out.blocks = append(out.blocks, block)
		}
		off += n
	}
}

// decodeOne decodes the block data starts with and returns how many bytes it
// spans, with a problem instead of the block when it does not decode. A broken
// BEGIN line spans that line only, a block without END runs to the next BEGIN,
// so the scan goes on to whatever follows.
func decodeOne(data []byte) (int, *pem.Block, string) {
	lineEnd := bytes.IndexByte(data, '\n')
	if lineEnd < 0 {
		lineEnd = len(data)
	}
	line := bytes.TrimRight(data[:lineEnd], " \t\r")
	if !bytes.HasSuffix(line, []byte(pemDash)) || len(line) < len(pemBegin)+len(pemDash) {
		return lineEnd, nil, "malformed PEM BEGIN line"
	}
	typ := line[len(pemBegin) : len(line)-len(pemDash)]
	endLine := append(append([]byte(pemEnd), typ...), pemDash...)
	end := bytes.Index(data[lineEnd:], endLine)
	if end < 0 {
		// The block runs to the next one, or to the end: its body is not
		// reported again as non-PEM data.
		next := bytes.Index(data[lineEnd:], []byte(pemBegin))
		if next < 0 {
			next = len(data) - lineEnd
		}
		return lineEnd + next, nil, fmt.Sprintf("PEM block %s without its END line", label(string(typ)))
	}
	span := lineEnd + end + len(endLine)
	block, rest := pem.Decode(data[:span])
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		return span, nil, fmt.Sprintf("PEM block %s that does not decode (bad base64 or headers)", label(string(typ)))
	}
	return span, block, ""
}
