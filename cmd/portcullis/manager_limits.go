package main

import (
	"os"
	"syscall"

	"github.com/go-logr/logr"

	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/controller/passthrough"
	"github.com/seed-d040b84d/portcullis/lib/config"
)

// warnOpenFiles logs when the open-file limit cannot hold maxConns proxied
// connections: past it, accept fails with EMFILE and the proxy waits for
// connections to close instead of taking new ones.
func warnOpenFiles(log logr.Logger, maxConns int) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if need := passthrough.OpenFilesNeeded(maxConns); l.Cur < need {
		log.Info("the open-file limit is below what the passthrough connection cap needs; raise it (ulimit -n, or the container runtime's nofile limit)",
			"limit", l.Cur, "needed", need, "maxConns", maxConns, "descriptorsPerConn", passthrough.DescriptorsPerConn,
			"connectionsThatFit", (l.Cur-min(l.Cur, 1024))/passthrough.DescriptorsPerConn)
	}
}

// warnWorkerFiles logs when nginx's workers cannot raise their open-file
// limit to what the ConfigMap's connections need (max-worker-open-files):
// past it, nginx logs "worker_connections are not enough" and refuses
// connections. Only root may raise a limit past the hard one.
func warnWorkerFiles(log logr.Logger, cfg config.Config) {
	var l syscall.Rlimit
	if os.Geteuid() == 0 || syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return
	}
	need := nginx.WorkerOpenFiles(cfg.MaxWorkerOpenFiles, cfg.MaxWorkerConnections)
	if l.Max < uint64(need) {
		log.Info("the open-file limit is below what nginx's workers need for max-worker-connections; raise it (ulimit -n, or the container runtime's nofile limit) or lower max-worker-connections",
			"hardLimit", l.Max, "needed", need, "maxWorkerConnections", cfg.MaxWorkerConnections)
	}
}
