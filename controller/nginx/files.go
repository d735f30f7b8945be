package nginx

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// PrivateDir creates dir (and parents) and makes it 0700: it holds every
// private key nginx serves.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// WriteFiles writes the model's files into dir, each 0600, through a temporary
// file renamed into place. Names are content hashes, so an existing file of
// the same name already holds the same bytes and is left alone. Errors name
// the file, never its content.
func WriteFiles(dir string, files []dataplane.File) error {
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(f.Data)) {
			continue
		}
		if err := writeAtomic(p, f.Data); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
	}
	return nil
}

// writeAtomic writes data to path through a 0600 temporary file in the same
// directory, synced and renamed.
func writeAtomic(path string, data []byte) error {
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
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
