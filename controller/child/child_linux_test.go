package child

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrapRunsTheProgramInItsPlace runs env(1) through its wrapper: the
// wrapper (this test binary, through init) executes it in its own process
// with the arguments it was given, without the wrapper's variables.
func TestWrapRunsTheProgramInItsPlace(t *testing.T) {
	env, err := exec.LookPath("env")
	require.NoError(t, err)
	dir := t.TempDir()
	path, err := Wrap(dir, env, syscall.SIGTERM)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "env"), path)

	cmd := exec.Command(path, "WRAPPED=yes", "sh", "-c", `echo "$WRAPPED $$"; env`)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, Start(cmd, syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), out.String())
	first, rest, _ := strings.Cut(out.String(), "\n")
	assert.Equal(t, fmt.Sprintf("yes %d", cmd.Process.Pid), first, "env ran in the wrapper's process, with its arguments")
	assert.NotContains(t, rest, "PORTCULLIS_CHILD_")
}

// TestWrappedProgramRefusesAnotherParent: a wrapper started by a process
// other than the one that wrote it (its parent died first) runs nothing.
func TestWrappedProgramRefusesAnotherParent(t *testing.T) {
	path, err := Wrap(t.TempDir(), "/bin/true", syscall.SIGTERM)
	require.NoError(t, err)
	out, err := exec.Command("sh", "-c", `"$0"; echo "exit $?"`, path).CombinedOutput()
	require.NoError(t, err)
	assert.Contains(t, string(out), "has exited")
	assert.Contains(t, string(out), "exit 1")
}
