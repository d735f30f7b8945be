//go:build e2e

package main

import (
	"bufio"
	"context"
	"crypto/sha1" //nolint:gosec // the WebSocket accept key is defined with SHA-1 (RFC 6455)
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestWebSocketsAndForwardingHeaders proves, through real nginx with no
// annotation, that a WebSocket handshake reaches the backend and frames
// flow both ways, on a TLS host and on a client-auth host (which needs the
// client certificate for the handshake), and survives an unrelated reload,
// while ordinary requests keep keep-alive to the upstream; and that backends
// get X-Request-ID (the
// client's, else one nginx makes), X-Forwarded-Port and X-Forwarded-Scheme.
// Two namespaces.
func TestWebSocketsAndForwardingHeaders(t *testing.T) {
	w := startWire(t)
	ca := w.newCA(t, "ws CA")
	clientCA := w.newCA(t, "ws client CA")
	w.namespace(t, "chat")
	w.namespace(t, "dash")
	chat, dash := gen.InNamespace("chat"), gen.InNamespace("dash")
	wsPort := quietWebSocketBackend(t)
	w.create(t,
		gen.TLSSecret("tls", leaf(t, ca, "chat", certgen.DNSNames("chat.ws.test")), chat),
		gen.ExternalName("ws", "localhost", chat),
		gen.Ingress("chat", chat, gen.Host("chat.ws.test"), gen.TLS("tls"), gen.Path("/", "ws", int32(wsPort))),
		gen.TLSSecret("tls", leaf(t, ca, "dash", certgen.DNSNames("dash.ws.test")), dash),
		gen.CASecret("clients", clientCA, dash),
		gen.ExternalName("ws", "localhost", dash),
		gen.Ingress("dash", dash, gen.Host("dash.ws.test"), gen.TLS("tls"), gen.Path("/", "ws", int32(wsPort)),
			gen.Annotation(ingressNginx+"auth-tls-secret", "dash/clients")),
	)
	w.await(t, w.client(trusting(ca, nil)), w.https("chat.ws.test", "/plain"), http.StatusOK, nil)

	t.Run("a WebSocket on a TLS host", func(t *testing.T) {
		echoed, err := w.webSocket("chat.ws.test", trusting(ca, nil), "hello over TLS")
		require.NoError(t, err)
		assert.Equal(t, "hello over TLS", echoed)
	})
	t.Run("a WebSocket on a client-auth host needs the certificate", func(t *testing.T) {
		w.await(t, w.client(trusting(ca, leaf(t, clientCA, "alice", certgen.ClientAuth()))), w.https("dash.ws.test", "/plain"), http.StatusOK, nil)
		echoed, err := w.webSocket("dash.ws.test", trusting(ca, leaf(t, clientCA, "alice", certgen.ClientAuth())), "hello with a certificate")
		require.NoError(t, err)
		assert.Equal(t, "hello with a certificate", echoed)
		_, err = w.webSocket("dash.ws.test", trusting(ca, nil), "no certificate")
		assert.ErrorContains(t, err, "400", "the handshake without a client certificate is refused")
	})
	t.Run("a WebSocket survives an unrelated reload", func(t *testing.T) {
		ws, err := w.openWebSocket("chat.ws.test", trusting(ca, nil))
		require.NoError(t, err)
		defer ws.Close()
		got, err := ws.echo("before")
		require.NoError(t, err)
		require.Equal(t, "before", got)
		before, err := w.masterPID()
		require.NoError(t, err)
		w.create(t, gen.ExternalName("other", "localhost", dash), gen.Ingress("other", dash, gen.Host("other.ws.test"), gen.Path("/", "other", int32(w.echoPort))))
		w.await(t, w.client(nil), w.http("other.ws.test", "/"), http.StatusOK, nil) // a new generation serves
		after, err := w.masterPID()
		require.NoError(t, err)
		require.Equal(t, before, after, "reloaded, not restarted")
		got, err = ws.echo("after the reload")
		require.NoError(t, err, "the previous workers keep the WebSocket (worker-shutdown-timeout)")
		assert.Equal(t, "after the reload", got)
	})
	t.Run("backends get the request ID and the forwarding headers", func(t *testing.T) {
		c := w.client(trusting(ca, nil))
		got := func(header map[string]string) map[string]string {
			r := w.must(t, c, w.https("chat.ws.test", "/headers"), header)
			require.Equal(t, http.StatusOK, r.status, "%s", r)
			var h map[string]string
			require.NoError(t, json.Unmarshal([]byte(r.body), &h), r.body)
			return h
		}
		first, second := got(nil), got(nil)
		assert.Len(t, first["X-Request-Id"], 32, "a request ID nginx made")
		assert.NotEqual(t, first["X-Request-Id"], second["X-Request-Id"])
		assert.Equal(t, "trace-123", got(map[string]string{"X-Request-ID": "trace-123"})["X-Request-Id"], "the client's is passed on")
		assert.Equal(t, fmt.Sprint(w.httpsPort), first["X-Forwarded-Port"])
		assert.Equal(t, "https", first["X-Forwarded-Scheme"])
		assert.Equal(t, "https", first["X-Scheme"])
		assert.Empty(t, first["Upgrade"], "an ordinary request asks for no upgrade")
		assert.Empty(t, first["Connection"], "an ordinary request keeps the upstream connection alive")
		forged := got(map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "http", "X-Forwarded-Port": "1"})
		assert.Equal(t, "6.6.6.6, 127.0.0.1", forged["X-Forwarded-For"], "the real peer is always appended")
		assert.Equal(t, "127.0.0.1", forged["X-Real-Ip"])
		assert.Equal(t, "https", forged["X-Forwarded-Proto"], "a client's X-Forwarded-Proto is not passed on")
		assert.Equal(t, fmt.Sprint(w.httpsPort), forged["X-Forwarded-Port"])
	})
	t.Run("a trusted load balancer's forwarding headers are passed on (use-forwarded-headers)", func(t *testing.T) {
		w.create(t, gen.ConfigMap("portcullis", gen.InNamespace(w.system),
			gen.Data("use-forwarded-headers", "true", "proxy-real-ip-cidr", "127.0.0.9/32")))
		from := func(local string) map[string]string {
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
			c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return d.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", w.httpPort))
				}}}
			req, err := http.NewRequest(http.MethodGet, "http://plain.ws.test/headers", nil)
			require.NoError(t, err)
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Port", "8443")
			resp, err := c.Do(req)
			if err != nil {
				return map[string]string{"error": err.Error()}
			}
			defer resp.Body.Close()
			h := map[string]string{}
			_ = json.NewDecoder(resp.Body).Decode(&h)
			return h
		}
		w.create(t, gen.Ingress("plain", chat, gen.Host("plain.ws.test"), gen.Path("/", "ws", int32(wsPort))))
		eventually(t, "the load balancer's headers were never passed on", func() string {
			if h := from("127.0.0.9"); h["X-Forwarded-Proto"] != "https" {
				return fmt.Sprint(h)
			}
			return ""
		})
		lb := from("127.0.0.9")
		assert.Equal(t, "8443", lb["X-Forwarded-Port"])
		assert.Equal(t, "203.0.113.7", lb["X-Real-Ip"], "the client the load balancer names")
		assert.Equal(t, "203.0.113.7", lb["X-Original-Forwarded-For"])
		assert.Equal(t, "203.0.113.7, 127.0.0.9", lb["X-Forwarded-For"], "the client, then the load balancer")
		other := from("127.0.0.1")
		assert.Equal(t, "http", other["X-Forwarded-Proto"], "another peer's headers are not passed on")
		assert.Equal(t, fmt.Sprint(w.httpPort), other["X-Forwarded-Port"])
		assert.Equal(t, "127.0.0.1", other["X-Real-Ip"])
	})
}

// webSocket opens a WebSocket through nginx to host over TLS, sends text as
// one frame and returns the frame the backend echoed.
func (w *wire) webSocket(host string, tc *tls.Config, text string) (string, error) {
	ws, err := w.openWebSocket(host, tc)
	if err != nil {
		return "", err
	}
	defer ws.Close()
	return ws.echo(text)
}

// wsConn is an open WebSocket.
type wsConn struct {
	net.Conn
	br *bufio.Reader
}

// openWebSocket makes the WebSocket handshake through nginx to host.
func (w *wire) openWebSocket(host string, tc *tls.Config) (*wsConn, error) {
	tc = tc.Clone()
	tc.ServerName = host
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", w.httpsPort), tc)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("handshake answered %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		conn.Close()
		return nil, fmt.Errorf("Sec-WebSocket-Accept %q", got)
	}
	return &wsConn{Conn: conn, br: br}, nil
}

// echo sends text as one masked frame (RFC 6455 §5.2, shorter than 126
// bytes) and returns the frame that comes back.
func (c *wsConn) echo(text string) (string, error) {
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(text)), mask[0], mask[1], mask[2], mask[3]}
	for i := range len(text) {
		frame = append(frame, text[i]^mask[i%4])
	}
	if _, err := c.Write(frame); err != nil {
		return "", err
	}
	head := make([]byte, 2)
	if _, err := io.ReadFull(c.br, head); err != nil {
		return "", err
	}
	payload := make([]byte, head[1]&0x7f)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return "", err
	}
	return string(payload), nil
}

// quietWebSocketBackend is a plain HTTP backend: /ws accepts a WebSocket
// and echoes one text frame; /headers answers with the request headers as
// JSON; anything else 200. It returns its port.
func quietWebSocketBackend(t *testing.T) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/headers":
			h := map[string]string{}
			for k, v := range r.Header {
				h[k] = strings.Join(v, ",")
			}
			_ = json.NewEncoder(rw).Encode(h)
		case "/ws":
			if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || !strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
				http.Error(rw, "not a WebSocket handshake", http.StatusBadRequest)
				return
			}
			sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) //nolint:gosec // RFC 6455
			conn, brw, err := rw.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
			_ = brw.Flush()
			for { // echo every frame until the connection ends
				head := make([]byte, 2)
				if _, err := io.ReadFull(brw, head); err != nil {
					return
				}
				n := int(head[1] & 0x7f)
				mask := make([]byte, 4)
				payload := make([]byte, n)
				if _, err := io.ReadFull(brw, mask); err != nil {
					return
				}
				if _, err := io.ReadFull(brw, payload); err != nil {
					return
				}
				for i := range payload {
					payload[i] ^= mask[i%4]
				}
				if _, err := conn.Write(append([]byte{0x81, byte(n)}, payload...)); err != nil {
					return
				}
			}
		}
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}
