package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// PrivateDir creates dir (and parents) and makes it 0700: it holds every
// private key nginx serves.
func PrivateDir(dir string) error {
	return privateDir(dir, nil)
}

// WriteFiles writes the model's files into dir, each 0600, through a temporary
// file renamed into place. Names are content hashes, so an existing file of
// the same name already holds the same bytes and is left alone. Errors name
// the file, never its content.
func WriteFiles(dir string, files []dataplane.File) error {
	return writeFiles(dir, files, nil)
}

// workers is who nginx's workers are when they are not the manager's own
// user (the manager runs as root; they do not): the files and directories
// they must read are shared with their group, every other stays the
// manager's alone.
type workers struct {
	uid, gid int
	// groups are every group the worker user is in, its own included.
	groups []int
	// reads are the names of the files workers read (workerFiles).
	reads map[string]bool
}

// perm is the mode and group of a file nginx reads: 0640 in the workers'
// group for one its workers read, else 0600 (group -1: unchanged).
func (w *workers) perm(name string) (os.FileMode, int) {
	if w == nil || !w.reads[name] {
		return 0o600, -1
	}
	return 0o640, w.gid
}

// workerFiles are the model's files nginx's workers open, rather than its
// master when it loads the configuration: the served certificates (chain and
// key) with dynamic certificates, read at each handshake (HotFile), and the
// htpasswd files, read at each request.
func workerFiles(m *dataplane.Model) map[string]bool {
	reads := map[string]bool{}
	for _, f := range m.Files {
		if HotFile(m, f) {
			reads[f.Name] = true
		}
	}
	basic := func(locs []dataplane.Location) {
		for _, l := range locs {
			if l.BasicAuth != nil {
				reads[l.BasicAuth.File] = true
			}
		}
	}
	basic(m.Default.Locations)
	for _, s := range m.Servers {
		basic(s.Locations)
	}
	return reads
}

// privateDir creates dir (and parents) and makes it 0700, or, with w, 0710
// in the workers' group: they may pass through it to the files shared with
// them, not list it (and through the parents it creates, 0711).
func privateDir(dir string, w *workers) error {
	if w == nil {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return os.Chmod(dir, 0o700)
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return err
	}
	if err := os.Chown(dir, -1, w.gid); err != nil {
		return err
	}
	return os.Chmod(dir, 0o710)
}

func writeFiles(dir string, files []dataplane.File, w *workers) error {
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		mode, gid := w.perm(f.Name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(f.Data)) {
			if err := fixPerm(p, fi, mode, gid); err != nil {
				return fmt.Errorf("write %s: %w", f.Name, err)
			}
			continue
		}
		if err := writeAtomic(p, f.Data, mode, gid); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
	}
	return nil
}

// fixPerm gives the file at path, described by fi, mode and group gid (-1:
// any) when it has others: a file written before nginx's workers read it
// (certificates made dynamic, a state directory reused).
func fixPerm(path string, fi os.FileInfo, mode os.FileMode, gid int) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && gid >= 0 && int(st.Gid) != gid {
		if err := os.Chown(path, -1, gid); err != nil {
			return err
		}
	}
	if fi.Mode().Perm() != mode {
		return os.Chmod(path, mode)
	}
	return nil
}

// writeAtomic writes data to path through a temporary file of the given
// mode and group (-1: the manager's) in the same directory, synced and
// renamed: the file is never seen with other content or permissions.
func writeAtomic(path string, data []byte, mode os.FileMode, gid int) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // after a successful rename this finds nothing
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if gid >= 0 {
		if err := tmp.Chown(-1, gid); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
