package dockerfile

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	Cmd  string // upper-case keyword
	Args string
	Line int
}

type stage struct {
	From, Name string
	Body       []instruction
}

func parse(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	var ins []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		ins = append(ins, instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	require.Zero(t, cur.Len(), "Dockerfile ends inside a continuation line")

	var stages []stage
	for _, in := range ins {
		if in.Cmd == "FROM" {
			fields := strings.Fields(in.Args)
			s := stage{From: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				s.Name = fields[2]
			}
			stages = append(stages, s)
			continue
		}
		require.NotEmpty(t, stages, "line %d: %s before FROM", in.Line, in.Cmd)
		stages[len(stages)-1].Body = append(stages[len(stages)-1].Body, in)
	}
	return stages
}

func find(s stage, cmd string) []instruction {
	var out []instruction
	for _, in := range s.Body {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	stages := parse(t, filepath.Join("..", "..", "Dockerfile"))
	require.Len(t, stages, 2, "multi-stage: a Go build stage and a runtime stage")

	build, runtime := stages[0], stages[1]
	assert.True(t, strings.HasPrefix(build.From, "golang:1.26"), "build stage uses Go 1.26, got %s", build.From)
	assert.Equal(t, "build", build.Name)
	var built bool
	for _, r := range find(build, "RUN") {
		built = built || strings.Contains(r.Args, "go build") && strings.Contains(r.Args, "./cmd/portcullis")
	}
	assert.True(t, built, "build stage builds ./cmd/portcullis")

	assert.Equal(t, "debian:bookworm-slim", runtime.From)
	var installs string
	for _, r := range find(runtime, "RUN") {
		installs += r.Args
	}
	assert.Contains(t, installs, "nginx-light")
	assert.Contains(t, installs, "libnginx-mod-stream")
	// Non-root binds of 80 and 443 (the Deployment keeps only NET_BIND_SERVICE).
	assert.Contains(t, installs, "setcap cap_net_bind_service=+ep /usr/sbin/nginx")
	assert.Contains(t, installs, "setcap cap_net_bind_service=+ep /usr/local/bin/portcullis")

	copies := find(runtime, "COPY")
	require.NotEmpty(t, copies)
	assert.Contains(t, copies[0].Args, "--from=build")

	users := find(runtime, "USER")
	require.Len(t, users, 1)
	uid, _, _ := strings.Cut(users[0].Args, ":")
	assert.NotEqual(t, "0", uid, "runs as a non-root user")
	assert.NotEqual(t, "root", uid, "runs as a non-root user")
	assert.Regexp(t, `^[1-9][0-9]*$`, uid, "numeric UID so runAsNonRoot can verify it")

	eps := find(runtime, "ENTRYPOINT")
	require.Len(t, eps, 1)
	var ep []string
	require.NoError(t, json.Unmarshal([]byte(eps[0].Args), &ep), "ENTRYPOINT in exec form")
	assert.Equal(t, []string{"/usr/local/bin/portcullis"}, ep)

	// A read-only root file system needs every writable path declared as a volume.
	vols := find(runtime, "VOLUME")
	require.Len(t, vols, 1)
	var paths []string
	require.NoError(t, json.Unmarshal([]byte(vols[0].Args), &paths))
	assert.ElementsMatch(t, []string{"/run/portcullis", "/tmp"}, paths)
}
