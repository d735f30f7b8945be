package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
)

type devFlags struct {
	stateDir  string
	readyFile string
	fresh     bool
}

func runDev(args []string, stdout, stderr io.Writer) int {
	var f devFlags
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.stateDir, "state-dir", ".portcullis-dev", "directory for the kubeconfig and logs")
	fs.StringVar(&f.readyFile, "ready-file", "", "file written when the control plane serves")
	fs.BoolVar(&f.fresh, "fresh", false, "remove the state directory first")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dev(ctx, f, stdout); err != nil {
		fmt.Fprintf(stderr, "portcullis dev: %v\n", err)
		return 1
	}
	return 0
}

func dev(ctx context.Context, f devFlags, stdout io.Writer) error {
	if f.fresh {
		if err := os.RemoveAll(f.stateDir); err != nil {
			return fmt.Errorf("remove state directory: %w", err)
		}
	}
	if err := os.MkdirAll(f.stateDir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	env, err := devenv.Start(devenv.Options{CRDDirs: crdDirs()})
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	kubeconfig := filepath.Join(f.stateDir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "portcullis dev: kube-apiserver is serving at %s\n\n  kubectl --kubeconfig %s get ingresses -A\n\nCtrl-C stops it.\n", env.Config.Host, kubeconfig)
	if f.readyFile != "" {
		if err := os.WriteFile(f.readyFile, []byte(kubeconfig+"\n"), 0o600); err != nil {
			return fmt.Errorf("write ready file: %w", err)
		}
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "portcullis dev: stopping")
	return nil
}

// crdDirs returns manifests/crds when run from the repository root.
func crdDirs() []string {
	if fi, err := os.Stat(filepath.Join("manifests", "crds")); err == nil && fi.IsDir() {
		return []string{filepath.Join("manifests", "crds")}
	}
	return nil
}
