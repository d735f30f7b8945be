package nginx

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultWorkerUser is who nginx's workers run as when the manager runs as
// root and no other user is configured: they parse every request and must
// not be root.
const DefaultWorkerUser = "nobody"

// workerUser resolves who nginx's workers run as, filling in o.User and
// o.Group, and says which directories and files they need to read. Not root:
// nginx cannot switch users and the workers are the manager's own user, with
// no user directive (nil). Root: o.User (DefaultWorkerUser when empty) in
// o.Group (that user's own group when empty); nil if that is root itself.
func workerUser(o *Options, dir string) (*workers, error) {
	if os.Geteuid() != 0 {
		o.User, o.Group = "", ""
		return nil, nil
	}
	if o.User == "" {
		o.User = DefaultWorkerUser
	}
	u, err := user.Lookup(o.User)
	if err != nil {
		return nil, fmt.Errorf("nginx's worker user: %w", err)
	}
	var g *user.Group
	if o.Group == "" {
		g, err = user.LookupGroupId(u.Gid)
	} else {
		g, err = user.LookupGroup(o.Group)
	}
	if err != nil {
		return nil, fmt.Errorf("nginx's worker group (user %s): %w", o.User, err)
	}
	o.Group = g.Name
	w := &workers{}
	if w.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("nginx's worker user %s: uid %q", o.User, u.Uid)
	}
	if w.gid, err = strconv.Atoi(g.Gid); err != nil {
		return nil, fmt.Errorf("nginx's worker group %s: gid %q", o.Group, g.Gid)
	}
	if w.uid == 0 {
		return nil, nil
	}
	w.groups = []int{w.gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if n, err := strconv.Atoi(id); err == nil {
				w.groups = append(w.groups, n)
			}
		}
	}
	if err := w.canReach(dir); err != nil {
		return nil, err
	}
	return w, nil
}

// canReach checks that the workers can pass through every directory above
// dir (the supervisor makes dir itself and those below it passable): at each
// handshake they open the certificates in it by path.
func (w *workers) canReach(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if os.IsNotExist(err) {
			// The supervisor creates it, passable (privateDir).
		} else if err != nil {
			return err
		} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && !w.search(fi.Mode(), int(st.Uid), int(st.Gid)) {
			return fmt.Errorf("nginx's workers run as user %d and cannot reach %s: %s (mode %v) is not searchable by them; make it so (chmod o+x %s) or choose a directory they can reach",
				w.uid, dir, d, fi.Mode().Perm(), d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// search says whether the workers may pass through a directory of mode,
// owner uid and group gid.
func (w *workers) search(mode os.FileMode, uid, gid int) bool {
	switch {
	case uid == w.uid:
		return mode&0o100 != 0
	case w.inGroup(gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func (w *workers) inGroup(gid int) bool {
	for _, g := range w.groups {
		if g == gid {
			return true
		}
	}
	return false
}
