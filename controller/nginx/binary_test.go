package nginx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindBinaryHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "nginx")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv(EnvBinary, fake)
	got, err := FindBinary()
	require.NoError(t, err)
	assert.Equal(t, fake, got)

	t.Setenv(EnvBinary, filepath.Join(dir, "missing"))
	_, err = FindBinary()
	assert.ErrorContains(t, err, EnvBinary)
}

func TestFindStreamModuleHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvModules, dir)
	_, err := FindStreamModule()
	assert.ErrorContains(t, err, "libnginx-mod-stream")

	require.NoError(t, os.WriteFile(filepath.Join(dir, StreamModule), nil, 0o644))
	got, err := FindStreamModule()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, StreamModule), got)
}
