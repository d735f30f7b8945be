package nginx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// Supervisor runs nginx as a child process and programs it with models:
// it stages the whole tree, swaps it in, reloads gracefully and confirms
// the new generation serves, keeping the last good tree when anything
// fails. The reloading master is the one check of a changed configuration:
// when it refuses one it says so in its error log and keeps serving the
// old, and the supervisor puts the old tree back (nginx -t runs before
// nginx first starts, and in Check). It reloads only when the bytes nginx
// reads when it loads a configuration changed; a certificate nginx reads at
// each handshake (dynamic certificates, HotFile) is replaced in place.
//
// Layout under Dir (0700): files/ (the model's files, 0600, named by content
// hash), run/ (pid, logs, temp files), nginx.conf (the configuration in force).
// When the manager runs as root nginx's workers do not (workerUser): the
// directories are 0710 and the files the workers read (workerFiles) 0640, in
// the workers' group.
type Supervisor struct {
	cfg SupervisorConfig

	mu         sync.Mutex // serializes Apply and Stop
	generation string     // of the configuration in force, "" before the first
	live       map[string]bool
	cmd        *exec.Cmd
	exited     chan struct{}
	stopping   bool
	restarts   int
	// serving is how many workers the configuration in force (or being
	// put in force) runs: more serving means a previous one's still accept.
	serving int
	// workers is who nginx's workers are when not the manager's user.
	workers *workers
	// sums are the SHA-256 of the replaceable files as last written, and
	// shared those last written for the workers' group.
	sums   map[string][32]byte
	shared map[string]bool
	// replaced counts the files replaced without a reload; checks the
	// nginx -t runs.
	replaced, checks int
}

// SupervisorConfig configures a Supervisor.
type SupervisorConfig struct {
	// Binary is nginx; FindBinary() when empty.
	Binary string
	// Dir is the private state directory (created 0700).
	Dir string
	// Render are the listen settings; Root, Prefix, Generation, User and
	// Group are filled in by the supervisor (a User or Group set is who
	// nginx's workers run as when the manager runs as root; see
	// workerUser). StatusAddress is required.
	Render Options
	// ConfirmTimeout bounds the wait for a new generation to serve (5 s when 0).
	ConfirmTimeout time.Duration
	// Stdout is nginx's standard output, where the access log goes unless
	// Render.AccessLogPath names a file; /dev/null when nil.
	Stdout *os.File
	Log    logr.Logger
}

// ErrRefused is returned when nginx refuses a configuration: nginx -t, or
// the reloading master.
var ErrRefused = errors.New("nginx refused the configuration")

// ErrNotConfirmed is returned when nginx did not start serving a generation.
var ErrNotConfirmed = errors.New("nginx did not serve the new configuration")

// NewSupervisor prepares the state directory. nginx starts on the first Apply.
func NewSupervisor(cfg SupervisorConfig) (*Supervisor, error) {
	if cfg.Binary == "" {
		bin, err := FindBinary()
		if err != nil {
			return nil, err
		}
		cfg.Binary = bin
	}
	if !filepath.IsAbs(cfg.Dir) {
		return nil, fmt.Errorf("nginx supervisor: state directory %q must be absolute", cfg.Dir)
	}
	if cfg.Render.StatusAddress == "" {
		return nil, errors.New("nginx supervisor: a status address is required to confirm reloads")
	}
	if cfg.ConfirmTimeout == 0 {
		cfg.ConfirmTimeout = 5 * time.Second
	}
	w, err := workerUser(&cfg.Render, cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("nginx supervisor: %w", err)
	}
	cfg.Render.Root, cfg.Render.Prefix = filepath.Join(cfg.Dir, "files"), filepath.Join(cfg.Dir, "run")
	for _, dir := range []string{cfg.Dir, cfg.Render.Root, cfg.Render.Prefix} {
		if err := privateDir(dir, w); err != nil {
			return nil, fmt.Errorf("nginx supervisor: %w", err)
		}
	}
	return &Supervisor{cfg: cfg, workers: w}, nil
}

func (s *Supervisor) confPath() string { return filepath.Join(s.cfg.Dir, "nginx.conf") }

// Generation is the generation of the configuration in force.
func (s *Supervisor) Generation() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.generation
}

// Apply programs nginx with the model. It reports whether nginx was reloaded
// (false when nothing nginx reads changed). On any error the previous
// configuration stays in force and keeps serving.
func (s *Supervisor) Apply(ctx context.Context, m *dataplane.Model) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false, errors.New("nginx supervisor: stopped")
	}
	gen, conf, err := s.render(m)
	if err != nil {
		return false, err
	}
	if gen == s.generation && s.running() {
		// Only files nginx reads at each handshake may differ: every other
		// name is its content, on disk since this generation was applied.
		replaced, err := s.writeReplaceable(m)
		if err != nil {
			return false, fmt.Errorf("nginx supervisor: replace files: %w", err)
		}
		if len(replaced) > 0 {
			s.replaced += len(replaced)
			s.cfg.Log.Info("certificates replaced without a reload", "generation", gen, "files", replaced)
		}
		return false, nil
	}
	prevWorkers := s.serving
	s.serving = Workers(cmpInt(s.cfg.Render.WorkerProcesses, m.TLS.WorkerProcesses))
	if _, err := s.writeFiles(m); err != nil {
		return false, fmt.Errorf("nginx supervisor: stage files: %w", err)
	}
	previous, _ := os.ReadFile(s.confPath())
	if !s.running() {
		// Nothing serves yet to refuse it: nginx -t first, so a bad
		// configuration never starts (and is never restarted).
		staged := s.confPath() + ".staged"
		if err := s.check(gen, conf, staged); err != nil {
			return false, err
		}
		if err := os.Rename(staged, s.confPath()); err != nil {
			return false, fmt.Errorf("nginx supervisor: swap configuration: %w", err)
		}
	} else if err := writeAtomic(s.confPath(), conf, 0o600, -1); err != nil {
		return false, fmt.Errorf("nginx supervisor: swap configuration: %w", err)
	}
	if err := s.activate(ctx, gen); err != nil {
		// A configuration the master refused never left the old one: put
		// the old file back only. Anything else reloads the old one.
		s.restore(previous, !errors.Is(err, ErrRefused))
		s.serving = prevWorkers
		return false, err
	}
	s.cfg.Log.Info("nginx configuration in force", "generation", gen, "servers", len(m.Servers), "files", len(m.Files))
	s.generation = gen
	s.collect(m.Files)
	return true, nil
}

// Replaced is how many files were replaced in place without a reload
// (certificates renewed with the same key, with dynamic certificates).
func (s *Supervisor) Replaced() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replaced
}

// writeFiles writes the model's files and returns the names of the
// replaceable ones it rewrote. A content-hashed name already on disk holds
// its content; a replaceable one is compared by its hash.
func (s *Supervisor) writeFiles(m *dataplane.Model) ([]string, error) {
	if err := writeFiles(s.cfg.Render.Root, slices.DeleteFunc(slices.Clone(m.Files), func(f dataplane.File) bool { return f.Replaceable }), s.sharing(m)); err != nil {
		return nil, err
	}
	return s.writeReplaceable(m)
}

// sharing is who the workers are, with the files of m they read; nil when
// they are the manager's own user.
func (s *Supervisor) sharing(m *dataplane.Model) *workers {
	if s.workers == nil {
		return nil
	}
	w := *s.workers
	w.reads = workerFiles(m)
	return &w
}

// writeReplaceable writes the replaceable files whose content differs from
// what was last written, and returns the names of those it rewrote.
func (s *Supervisor) writeReplaceable(m *dataplane.Model) ([]string, error) {
	if s.sums == nil {
		s.sums, s.shared = map[string][32]byte{}, map[string]bool{}
	}
	w := s.sharing(m)
	var replaced []string
	for _, f := range m.Files {
		if !f.Replaceable {
			continue
		}
		sum := sha256.Sum256(f.Data)
		p := filepath.Join(s.cfg.Render.Root, f.Name)
		mode, gid := w.perm(f.Name)
		share := gid >= 0
		if known, ok := s.sums[f.Name]; ok && known == sum && s.shared[f.Name] == share {
			continue
		}
		if old, err := os.ReadFile(p); err == nil && sha256.Sum256(old) == sum {
			// The content is right; the permissions may not be (certificates
			// made dynamic or static).
			fi, err := os.Stat(p)
			if err == nil {
				err = fixPerm(p, fi, mode, gid)
			}
			if err != nil {
				return nil, fmt.Errorf("write %s: %w", f.Name, err)
			}
			s.sums[f.Name], s.shared[f.Name] = sum, share
			continue
		} else if err == nil {
			replaced = append(replaced, f.Name)
		}
		if err := writeAtomic(p, f.Data, mode, gid); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Name, err)
		}
		s.sums[f.Name], s.shared[f.Name] = sum, share
	}
	return replaced, nil
}

// Check stages the model's files and configuration aside and runs nginx -t
// on them, without touching the configuration in force. It returns an error
// wrapping ErrRefused when nginx refuses it.
func (s *Supervisor) Check(m *dataplane.Model) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen, conf, err := s.render(m)
	if err != nil {
		return err
	}
	// Files of another name than those in force only: a replaceable file
	// in force is never rewritten by a check.
	var files []dataplane.File
	for _, f := range m.Files {
		if _, inForce := s.sums[f.Name]; !f.Replaceable || !inForce {
			files = append(files, f)
		}
	}
	if err := writeFiles(s.cfg.Render.Root, files, s.sharing(m)); err != nil {
		return fmt.Errorf("nginx supervisor: stage files: %w", err)
	}
	staged := s.confPath() + ".check"
	defer os.Remove(staged)
	return s.check(gen, conf, staged)
}

// check writes the configuration to path and runs nginx -t on it; path is
// removed when nginx refuses it.
func (s *Supervisor) check(gen string, conf []byte, path string) error {
	s.checks++
	if err := writeAtomic(path, conf, 0o600, -1); err != nil {
		return fmt.Errorf("nginx supervisor: stage configuration: %w", err)
	}
	if out, err := output(s.nginx("-t", "-q", "-c", path)); err != nil {
		os.Remove(path)
		return fmt.Errorf("nginx supervisor: generation %s: %w (%v): %s", gen, ErrRefused, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// render renders the model with its generation: a hash of every byte nginx
// reads when it loads the configuration (the configuration but the status
// server, and each file's name and content, but only the name of a file it
// reads at each handshake).
func (s *Supervisor) render(m *dataplane.Model) (string, []byte, error) {
	conf, gen, err := RenderWithGeneration(m, s.cfg.Render, func(conf []byte) string {
		h := sha256.New()
		h.Write(conf)
		for _, f := range m.Files {
			if HotFile(m, f) {
				fmt.Fprintf(h, "\x00%s\x00hot\x00", f.Name)
				continue
			}
			fmt.Fprintf(h, "\x00%s\x00%d\x00", f.Name, len(f.Data))
			h.Write(f.Data)
		}
		return hex.EncodeToString(h.Sum(nil)[:16])
	})
	return gen, conf, err
}

// activate starts nginx, or reloads it, and waits for gen to serve.
func (s *Supervisor) activate(ctx context.Context, gen string) error {
	offset := int64(-1)
	if !s.running() {
		if err := s.start(); err != nil {
			return err
		}
	} else {
		offset = s.errorLogSize()
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			return fmt.Errorf("nginx supervisor: reload: %w", err)
		}
	}
	return s.confirm(ctx, gen, offset)
}

func (s *Supervisor) errorLogPath() string { return filepath.Join(s.cfg.Render.Prefix, "error.log") }

func (s *Supervisor) errorLogSize() int64 {
	fi, err := os.Stat(s.errorLogPath())
	if err != nil {
		return 0
	}
	return fi.Size()
}

// refusal is the first [emerg] line the master wrote to the error log
// after offset, without its timestamp and process numbers: what a reload
// that did not take says. "" when there is none.
func (s *Supervisor) refusal(offset int64) string {
	f, err := os.Open(s.errorLogPath())
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, offset, 1<<20), 1<<20))
	if err != nil {
		return ""
	}
	return refusalIn(b, s.cmd.Process.Pid)
}

// refusalIn is the first [emerg] line of the master (process pid) in an
// error log, as "[emerg] <message>"; a worker's lines are not the master's
// verdict on a configuration.
func refusalIn(log []byte, pid int) string {
	master := strconv.Itoa(pid) + "#"
	for _, line := range strings.Split(string(log), "\n") {
		_, rest, ok := strings.Cut(line, " [emerg] ")
		if !ok || !strings.HasPrefix(rest, master) {
			continue
		}
		// "<pid>#<tid>: <message>"
		if _, msg, ok := strings.Cut(rest, ": "); ok {
			return "[emerg] " + msg
		}
		return "[emerg] " + rest
	}
	return ""
}

// restore puts the previous configuration back in place: it is what nginx
// still serves after a reload that did not take, and what a restart must
// read. reload signals the master to load it again (when the new one may
// have been partly taken).
func (s *Supervisor) restore(previous []byte, reload bool) {
	if previous == nil {
		os.Remove(s.confPath())
		return
	}
	if err := writeAtomic(s.confPath(), previous, 0o600, -1); err != nil {
		s.cfg.Log.Error(err, "nginx supervisor: restore the last good configuration")
	}
	if reload && s.running() {
		_ = s.cmd.Process.Signal(syscall.SIGHUP)
	}
}

// confirm polls the status server until it answers gen, and the error log
// for the master's refusal of the configuration it was signalled to load
// (an [emerg] line written after offset).
func (s *Supervisor) confirm(ctx context.Context, gen string, offset int64) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConfirmTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + s.cfg.Render.StatusAddress + GenerationPath
	for {
		if offset >= 0 {
			if line := s.refusal(offset); line != "" {
				return fmt.Errorf("nginx supervisor: generation %s: %w: %s", gen, ErrRefused, line)
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 128))
			resp.Body.Close()
			if string(body) == gen && s.oldWorkersGone() {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nginx supervisor: generation %s: %w (%s)", gen, ErrNotConfirmed, s.errorLogTail())
		case <-s.exited:
			return fmt.Errorf("nginx supervisor: nginx exited: %w (%s)", ErrNotConfirmed, s.errorLogTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Supervisor) errorLogTail() string {
	b, _ := os.ReadFile(s.errorLogPath())
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strings.TrimSpace(string(b))
}

// collect removes files no configuration in force refers to.
func (s *Supervisor) collect(files []dataplane.File) {
	live := make(map[string]bool, len(files))
	for _, f := range files {
		live[f.Name] = true
	}
	s.live = live
	entries, err := os.ReadDir(s.cfg.Render.Root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !live[e.Name()] {
			os.Remove(filepath.Join(s.cfg.Render.Root, e.Name()))
			delete(s.sums, e.Name())
			delete(s.shared, e.Name())
		}
	}
}
