package kernel

import (
	"bytes"
	"strings"
	"testing"
)

func boot(t testing.TB, cfg Config) (*Kernel, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	if cfg.Console == nil {
		cfg.Console = &out
	}
	k, err := Boot(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Shutdown)
	return k, &out
}

func TestBootPrintsBannerAndStartsTheKernelThreads(t *testing.T) {
	k, out := boot(t, Config{})
	t.Log(out.String())
	for _, want := range []string{
		"[    0.000000] Linux version 6.6.0-kplay",
		"Memory: 65536K/65536K available",
		"printk: console [kcon0] enabled",
		"Run /sbin/init as init process",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("boot output lacks %q", want)
		}
	}
	var got []string
	for _, ti := range k.Tasks() {
		got = append(got, sprintf("%d:%s:%s:%d", ti.PID, ti.Comm, ti.State, ti.PPID))
	}
	want := "0:swapper/0:R:0 1:init:S:0 2:kthreadd:S:0 3:ksoftirqd/0:S:2 4:kworker/0:0:S:2 5:ksyscalld/0:S:2"
	if strings.Join(got, " ") != want {
		t.Fatalf("tasks\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}
