package kernel

import (
	"encoding/json"
	"strings"
	"testing"

	"kplay/sched"
)

func TestTaskStructShowsLiveFields(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	h := spawn(t, k, "cpu-hog", SpawnOptions{Name: "hog", Nice: 5})
	z := spawn(t, k, "exit 3", SpawnOptions{Name: "z"})
	k.Run(Stop{For: 50e6})
	ts, err := k.TaskStruct(h)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := ts.Lookup([]string{"comm", "static_prio", "prio", "se.load.weight", "sched_class", "real_parent", "mm"})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"hog", 125, 125, int64(335), "fair_sched_class", "1 (init)", "the task's own mm"}
	for i, f := range fs {
		if f.Value != want[i] {
			t.Errorf("%s = %v, want %v", f.Name, f.Value, want[i])
		}
	}
	if _, err := ts.Lookup([]string{"se.vruntime", "bogus"}); err == nil || !strings.Contains(err.Error(), `no member "bogus"`) {
		t.Errorf("unknown member: %v", err)
	}
	// A kernel thread has no mm; swapper's state is running.
	kt, _ := k.TaskStruct(3)
	if f, _ := kt.Lookup([]string{"mm", "flags"}); f[0].Value != nil || f[1].Note != "PF_KTHREAD" {
		t.Errorf("ksoftirqd: mm %v, flags %v (%s)", f[0].Value, f[1].Value, f[1].Note)
	}
	// The JSON keeps the groups, in order, keyed by member name.
	b, _ := json.Marshal(ts)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if m["scheduling"].(map[string]any)["static_prio"] != 125.0 || !strings.HasPrefix(string(b), `{"pid":`) {
		t.Fatalf("json: %s", b)
	}
	if _, err := k.TaskStruct(z); err == nil {
		t.Fatalf("init reaps z once it exits: it must be gone")
	}
	if _, err := k.TaskStruct(4242); err == nil {
		t.Fatal("no error for a missing pid")
	}
}

func TestZombieTaskStructSaysTaskDead(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "zombie", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	for _, ti := range k.Tasks() {
		if ti.State != "Z" {
			continue
		}
		ts, _ := k.TaskStruct(ti.PID)
		f, _ := ts.Lookup([]string{"__state", "exit_state"})
		if f[0].Value != taskDead || f[1].Value != int(ExitZombie) || f[1].Note != "EXIT_ZOMBIE" {
			t.Fatalf("zombie: %+v", f)
		}
		return
	}
	t.Fatal("the zombie built-in left no zombie")
}

func TestRunQueueListsTheTreeInVruntimeOrder(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for i := 0; i < 4; i++ {
		spawn(t, k, "cpu-hog", SpawnOptions{Nice: i * 3})
	}
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "rt", Policy: sched.RR, RTPrio: 10})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "rt", Policy: sched.RR, RTPrio: 10})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "rt2", Policy: sched.FIFO, RTPrio: 50})
	k.Run(Stop{For: 30e6})
	rq := k.RunQueue()
	// The running RT task stays in its list, as in Linux.
	if rq.Current.Comm != "rt2" || len(rq.RT) != 2 || rq.RT[0].Prio != 49 || rq.RT[0].Tasks[0].Comm != "rt2" ||
		rq.RT[1].Prio != 89 || len(rq.RT[1].Tasks) != 2 {
		t.Fatalf("the FIFO task at rtprio 50 runs, the two RR at prio 89 wait: %+v", rq)
	}
	if rq.CFS.NrRunning != 4 || len(rq.CFS.Tree) != 4 || rq.CFS.Curr != nil {
		t.Fatalf("four fair tasks wait in the tree: %+v", rq.CFS)
	}
	// Let the fair tasks run: the RT ones exit.
	k.SetScheduler(rq.Current.PID, sched.Normal, 0, 0)
	for _, e := range rq.RT[1].Tasks {
		k.Kill(e.PID, 9)
	}
	k.Run(Stop{For: 200e6})
	rq = k.RunQueue()
	var load int64 = rq.CFS.Curr.Weight
	for i, e := range rq.CFS.Tree {
		load += e.Weight
		if i > 0 && e.Vruntime < rq.CFS.Tree[i-1].Vruntime {
			t.Fatalf("tree out of vruntime order: %+v", rq.CFS.Tree)
		}
		if e.Vruntime < rq.CFS.MinVruntime {
			t.Fatalf("%+v below min_vruntime %d", e, rq.CFS.MinVruntime)
		}
	}
	if load != rq.CFS.Load || rq.NrRunning != len(rq.CFS.Tree)+1 {
		t.Fatalf("load %d vs cfs_rq load %d; nr_running %d", load, rq.CFS.Load, rq.NrRunning)
	}
}

func TestProcessTreeFoldsThreads(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	p := spawn(t, k, "thread { sleep 1s }; thread { sleep 1s }; fork { sleep 1s }; sleep 1s", SpawnOptions{Name: "p"})
	k.Run(Stop{For: 10e6})
	roots := k.ProcessTree()
	if len(roots) != 2 || roots[0].Comm != "init" || roots[1].Comm != "kthreadd" {
		t.Fatalf("roots %+v", roots)
	}
	var n *TreeNode
	for _, c := range roots[0].Children {
		if c.PID == p {
			n = c
		}
	}
	if n == nil || n.Threads != 3 || len(n.Children) != 1 || n.Children[0].Comm != "p" {
		t.Fatalf("p: %+v", n)
	}
	if len(roots[1].Children) != 3 {
		t.Fatalf("kthreadd's children: %+v", roots[1].Children)
	}
}
