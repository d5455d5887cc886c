package kernel

import (
	"sort"
	"strconv"
	"strings"

	"kplay/consoledrv"
	"kplay/mm"
)

// FaultInfo is one fault injector's settings, as its debugfs directory
// (/sys/kernel/debug/failslab, .../fail_page_alloc) shows them.
type FaultInfo struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings"`
	Failures uint64            `json:"failures"`
}

func (k *Kernel) faultAttr(name string) *mm.FaultAttr {
	switch name {
	case "failslab":
		return k.slabs.Failslab
	case "fail_page_alloc":
		return k.pm.FailPageAlloc
	}
	return nil
}

// faultInit sends the injectors' reports to the console.
func (k *Kernel) faultInit() {
	for _, n := range []string{"failslab", "fail_page_alloc"} {
		a := k.faultAttr(n)
		a.OnFail = func(msg string) {
			for _, l := range strings.Split(msg, "\n") {
				k.printk(consoledrv.Notice, "%s", l)
			}
		}
	}
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// Faults lists both injectors.
func (k *Kernel) Faults() []FaultInfo {
	var out []FaultInfo
	for _, n := range []string{"fail_page_alloc", "failslab"} {
		a := k.faultAttr(n)
		s := map[string]string{
			"probability": strconv.Itoa(a.Probability), "interval": strconv.Itoa(a.Interval),
			"times": strconv.Itoa(a.Times), "space": strconv.Itoa(a.Space), "verbose": strconv.Itoa(a.Verbose),
			"ignore-gfp-wait": yn(a.IgnoreGFPWait),
		}
		if n == "fail_page_alloc" {
			s["ignore-gfp-highmem"] = yn(a.IgnoreGFPHighmem)
			s["min-order"] = strconv.Itoa(a.MinOrder)
		}
		out = append(out, FaultInfo{Name: n, Settings: s, Failures: a.Failures})
	}
	return out
}

// SetFault writes one attribute of an injector, as writing its debugfs
// file does; "seed" restarts its random sequence (kplay's addition, so a
// lab picks its failures).
func (k *Kernel) SetFault(name, key, value string) error {
	a := k.faultAttr(name)
	if a == nil {
		return errInvalid("no fault injector %q: want failslab or fail_page_alloc", name)
	}
	num := func(lo, hi int) (int, error) {
		v, err := strconv.Atoi(value)
		if err != nil || v < lo || v > hi {
			return 0, errInvalid("%s/%s: %q: want an integer from %d to %d", name, key, value, lo, hi)
		}
		return v, nil
	}
	boolean := func() (bool, error) {
		switch strings.ToUpper(value) {
		case "Y", "1":
			return true, nil
		case "N", "0":
			return false, nil
		}
		return false, errInvalid("%s/%s: %q: want Y or N", name, key, value)
	}
	var err error
	switch key {
	case "probability":
		a.Probability, err = num(0, 100)
	case "interval":
		a.Interval, err = num(1, 1<<31-1)
	case "times":
		a.Times, err = num(-1, 1<<31-1)
	case "space":
		a.Space, err = num(0, 1<<31-1)
	case "verbose":
		a.Verbose, err = num(0, 2)
	case "ignore-gfp-wait":
		a.IgnoreGFPWait, err = boolean()
	case "ignore-gfp-highmem", "min-order":
		if name != "fail_page_alloc" {
			return errInvalid("failslab has no %s (fail_page_alloc has)", key)
		}
		if key == "min-order" {
			a.MinOrder, err = num(0, mm.MaxOrder)
		} else {
			a.IgnoreGFPHighmem, err = boolean()
		}
	case "seed":
		var s int
		if s, err = num(0, 1<<31-1); err == nil {
			a.Seed(int64(s))
		}
	default:
		var keys []string
		for _, f := range k.Faults() {
			if f.Name == name {
				for key := range f.Settings {
					keys = append(keys, key)
				}
			}
		}
		sort.Strings(keys)
		return errInvalid("%s has no %q: want %s or seed", name, key, strings.Join(keys, ", "))
	}
	return err
}
