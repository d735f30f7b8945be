package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/cert-manager/cert-manager/pkg/issuer/acme/http/solver"
)

// solverLabel marks the Pods and Services cert-manager creates for HTTP-01.
const solverLabel = "acme.cert-manager.io/http01-solver"

// solverNode runs cert-manager's HTTP-01 solver for each solver Pod and
// points the solver's Service at it.
type solverNode struct {
	client   kubernetes.Interface
	host     string
	log      logr.Logger
	factory  informers.SharedInformerFactory
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	kick     chan struct{}

	mu      sync.Mutex
	running map[types.UID]*runningSolver
}

type runningSolver struct {
	namespace string
	labels    labels.Set
	port      int
	solver    *solver.HTTP01Solver
}

func newSolverNode(client kubernetes.Interface, host string, log logr.Logger) (*solverNode, error) {
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = solverLabel + "=true" }))
	n := &solverNode{
		client: client, host: host, log: log, factory: factory,
		pods:     factory.Core().V1().Pods().Lister(),
		services: factory.Core().V1().Services().Lister(),
		kick:     make(chan struct{}, 1),
		running:  map[types.UID]*runningSolver{},
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { n.poke() },
		UpdateFunc: func(any, any) { n.poke() },
		DeleteFunc: func(any) { n.poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{factory.Core().V1().Pods().Informer(), factory.Core().V1().Services().Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *solverNode) poke() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// run syncs on every change to a solver Pod or Service until ctx ends, then
// stops every solver.
func (n *solverNode) run(ctx context.Context) error {
	n.factory.Start(ctx.Done())
	n.factory.WaitForCacheSync(ctx.Done())
	defer n.stopAll()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.kick:
		case <-retry.C:
		}
		if err := n.sync(ctx); err != nil {
			n.log.Error(err, "syncing HTTP-01 solvers; retrying")
			retry.Reset(time.Second)
		}
	}
}

func (n *solverNode) sync(ctx context.Context) error {
	pods, err := n.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	live := map[types.UID]bool{}
	var errs []string
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		live[p.UID] = true
		if err := n.start(ctx, p); err != nil {
			errs = append(errs, err.Error())
		} else if err := n.markRunning(ctx, p); err != nil {
			errs = append(errs, err.Error())
		}
	}
	n.mu.Lock()
	for uid, r := range n.running {
		if !live[uid] {
			_ = r.solver.Close()
			delete(n.running, uid)
		}
	}
	n.mu.Unlock()
	services, err := n.services.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, s := range services {
		if err := n.point(ctx, s); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// start runs the solver a Pod describes (its container's --domain, --token
// and --key arguments) on a free loopback port, once per Pod.
func (n *solverNode) start(ctx context.Context, p *corev1.Pod) error {
	n.mu.Lock()
	_, ok := n.running[p.UID]
	n.mu.Unlock()
	if ok || len(p.Spec.Containers) == 0 {
		return nil
	}
	args := map[string]string{}
	for _, a := range p.Spec.Containers[0].Args {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok {
			args[k] = v
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s := &solver.HTTP01Solver{ListenPort: port, Domain: args["domain"], Token: args["token"], Key: args["key"]}
	go func() {
		if err := s.Listen(n.log.WithValues("pod", p.Namespace+"/"+p.Name)); err != nil && !strings.Contains(err.Error(), "Server closed") {
			n.log.Error(err, "solver stopped", "pod", p.Namespace+"/"+p.Name)
		}
	}()
	if err := waitListening(ctx, port); err != nil {
		return fmt.Errorf("solver for pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	n.mu.Lock()
	n.running[p.UID] = &runningSolver{namespace: p.Namespace, labels: p.Labels, port: port, solver: s}
	n.mu.Unlock()
	n.log.Info("HTTP-01 solver running", "pod", p.Namespace+"/"+p.Name, "port", port, "domain", s.Domain)
	return nil
}

// markRunning reports a solver Pod whose process runs as Running and Ready,
// as a kubelet would.
func (n *solverNode) markRunning(ctx context.Context, p *corev1.Pod) error {
	n.mu.Lock()
	_, ok := n.running[p.UID]
	n.mu.Unlock()
	if !ok || p.Status.Phase == corev1.PodRunning {
		return nil
	}
	running := p.DeepCopy()
	running.Status.Phase = corev1.PodRunning
	running.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	_, err := n.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, running, metav1.UpdateOptions{})
	return err
}

// point turns a solver Service into an ExternalName Service for the solver
// host, each port targeting the process its selector's Pod runs in.
func (n *solverNode) point(ctx context.Context, s *corev1.Service) error {
	var port int
	n.mu.Lock()
	for _, r := range n.running {
		if r.namespace == s.Namespace && len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(r.labels) {
			port = r.port
		}
	}
	n.mu.Unlock()
	if port == 0 {
		return nil
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName && s.Spec.ExternalName == n.host && len(s.Spec.Ports) > 0 && s.Spec.Ports[0].TargetPort.IntValue() == port {
		return nil
	}
	svc := s.DeepCopy()
	svc.Spec.Type = corev1.ServiceTypeExternalName
	svc.Spec.ExternalName = n.host
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
	svc.Spec.IPFamilies, svc.Spec.IPFamilyPolicy = nil, nil
	svc.Spec.ExternalTrafficPolicy, svc.Spec.InternalTrafficPolicy = "", nil
	for i := range svc.Spec.Ports {
		svc.Spec.Ports[i].NodePort = 0
		svc.Spec.Ports[i].TargetPort = intstr.FromInt(port)
	}
	_, err := n.client.CoreV1().Services(s.Namespace).Update(ctx, svc, metav1.UpdateOptions{})
	if err == nil {
		n.log.Info("solver Service pointed at its solver", "service", s.Namespace+"/"+s.Name, "target", net.JoinHostPort(n.host, strconv.Itoa(port)))
	}
	return err
}

func (n *solverNode) stopAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for uid, r := range n.running {
		_ = r.solver.Close()
		delete(n.running, uid)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(ctx context.Context, port int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not listening on port %d: %w", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
