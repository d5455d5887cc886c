package kernel

import (
	"runtime"
	"strings"

	"kplay/kernel/vfs"
)

// The /proc files of the VFS issue: identity, mounts, devices, and
// /proc/sys.

// ProcVersion is /proc/version (linux_proc_banner): the same line the
// kernel prints first at boot.
func (k *Kernel) ProcVersion() string {
	return sprintf("Linux version %s (kplay@kplay) (%s) %s\n", Release, runtime.Version(), Version)
}

// ProcCmdline is /proc/cmdline.
func (k *Kernel) ProcCmdline() string { return k.CommandLine() + "\n" }

// ProcUptime is /proc/uptime (uptime_proc_show): seconds since boot and
// seconds the CPU spent idle, each with two decimals.
func (k *Kernel) ProcUptime() string {
	up := k.clockNs()
	idle := k.idle.se.SumExecRuntime
	return sprintf("%d.%02d %d.%02d\n", up/1e9, up%1e9/1e7, idle/1e9, idle%1e9/1e7)
}

// ProcFilesystems is /proc/filesystems: "nodev" before each filesystem
// that needs no block device, a tab, the name.
func (k *Kernel) ProcFilesystems() string {
	var b strings.Builder
	for _, fs := range k.vfs.Filesystems() {
		nodev := ""
		if fs.NoDev {
			nodev = "nodev"
		}
		b.WriteString(nodev + "\t" + fs.Name + "\n")
	}
	return b.String()
}

// ProcMounts is /proc/mounts (show_vfsmnt): device, mount point, type,
// options (rw or ro, then the mount flags in show_mnt_opts's order), and
// two zeros.
func (k *Kernel) ProcMounts() string {
	var b strings.Builder
	for _, m := range k.vfs.Mounts() {
		opts := "rw"
		if m.Flags&vfs.MS_RDONLY != 0 {
			opts = "ro"
		}
		for _, f := range []struct {
			bit  int
			name string
		}{{vfs.MS_NOSUID, ",nosuid"}, {vfs.MS_NODEV, ",nodev"}, {vfs.MS_NOEXEC, ",noexec"}, {vfs.MS_RELATIME, ",relatime"}} {
			if m.Flags&f.bit != 0 {
				opts += f.name
			}
		}
		opts += m.SB.ShowOptions()
		b.WriteString(sprintf("%s %s %s %s 0 0\n", m.Source, mangle(k.vfs.MountPathOf(m)), m.SB.Type.Name, opts))
	}
	return b.String()
}

// mangle escapes space, tab, newline and backslash in octal, as
// seq_file's mangle_path does for /proc/mounts.
func mangle(s string) string {
	r := strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`)
	return r.Replace(s)
}

// ProcDevices is /proc/devices (devinfo_show): the character device
// drivers by major, then the block devices (none in kplay).
func (k *Kernel) ProcDevices() string {
	var b strings.Builder
	b.WriteString("Character devices:\n")
	for _, c := range k.vfs.Chrdevs() {
		b.WriteString(sprintf("%3d %s\n", c.Major, c.Name))
	}
	b.WriteString("\nBlock devices:\n")
	return b.String()
}

// ProcCpuinfo is /proc/cpuinfo (show_cpuinfo) for kplay's one simulated
// CPU.
func (k *Kernel) ProcCpuinfo() string {
	return "processor\t: 0\n" +
		"vendor_id\t: KplayVirtCPU\n" +
		"cpu family\t: 6\n" +
		"model\t\t: 0\n" +
		"model name\t: kplay virtual CPU\n" +
		"stepping\t: 0\n" +
		"cpu MHz\t\t: 1000.000\n" +
		"cache size\t: 0 KB\n" +
		"physical id\t: 0\n" +
		"siblings\t: 1\n" +
		"core id\t\t: 0\n" +
		"cpu cores\t: 1\n" +
		"apicid\t\t: 0\n" +
		"initial apicid\t: 0\n" +
		"fpu\t\t: yes\n" +
		"fpu_exception\t: yes\n" +
		"cpuid level\t: 13\n" +
		"wp\t\t: yes\n" +
		"flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 syscall nx lm\n" +
		"bugs\t\t:\n" +
		"bogomips\t: 2000.00\n" +
		"clflush size\t: 64\n" +
		"cache_alignment\t: 64\n" +
		"address sizes\t: 46 bits physical, 48 bits virtual\n" +
		"power management:\n\n"
}

// ProcModules is /proc/modules: empty until kplay has modules.
func (k *Kernel) ProcModules() string { return "" }

// procReadOnly are the /proc/sys files no one may write.
var procReadOnly = map[string]bool{
	"/proc/sys/kernel/osrelease": true,
	"/proc/sys/kernel/ostype":    true,
	"/proc/sys/kernel/version":   true,
	"/proc/sys/kernel/pid_max":   true,
}

// procSysFiles are /proc/sys's files: each sysctl, and the kernel's
// identity.
func (k *Kernel) procSysFiles() map[string]func(k *Kernel) string {
	m := map[string]func(k *Kernel) string{
		"/proc/sys/kernel/osrelease": func(*Kernel) string { return Release + "\n" },
		"/proc/sys/kernel/ostype":    func(*Kernel) string { return "Linux\n" },
		"/proc/sys/kernel/version":   func(*Kernel) string { return Version + "\n" },
		"/proc/sys/kernel/pid_max":   func(*Kernel) string { return "32768\n" },
		"/proc/sys/fs/file-nr": func(k *Kernel) string {
			// file-max: a tenth of RAM in KiB, at least NR_FILE.
			return sprintf("%d\t0\t%d\n", k.caches["filp"].ActiveObjs(), max(8192, k.cfg.MemBytes>>10/10))
		},
		"/proc/sys/fs/nr_open": func(*Kernel) string { return sprintf("%d\n", sysctlNrOpen) },
		"/proc/sys/fs/dentry-state": func(k *Kernel) string {
			return sprintf("%d\t0\t45\t0\t0\t0\n", k.vfs.NrDentry)
		},
		"/proc/sys/fs/inode-nr": func(k *Kernel) string { return sprintf("%d\t0\n", k.vfs.NrInodes) },
	}
	for p, str := range procSysStrings {
		m[p] = func(k *Kernel) string { return str.get(k) + "\n" }
	}
	for _, e := range sysctlTable {
		name := e.name
		m["/proc/sys/"+strings.ReplaceAll(name, ".", "/")] = func(k *Kernel) string {
			s, _ := k.GetSysctl(name)
			return s.Value + "\n"
		}
	}
	return m
}

// procSysStrings are the /proc/sys files that hold a string rather than a
// number (proc_do_uts_string over proc_dostring).
var procSysStrings = map[string]struct {
	get func(k *Kernel) string
	set func(k *Kernel, v string)
}{
	"/proc/sys/kernel/hostname": {
		get: func(k *Kernel) string { return k.hostname },
		set: func(k *Kernel, v string) { k.setHostname([]byte(v)) },
	},
}

// procDostring is a write to a string sysctl at pos (_proc_do_string with
// kernel.sysctl_writes_strict = 1, the default): the write continues the
// string at pos, which may not lie past its end (then nothing changes and
// ok is false, though the write still reports every byte taken), and
// copies bytes up to a NUL or a newline, at most maxlen-1 in all.
func procDostring(cur string, maxlen int, b []byte, pos int64) (string, bool) {
	n := min(len(cur), maxlen-1)
	if pos > int64(n) {
		return cur, false
	}
	data := []byte(cur[:pos])
	for _, c := range b {
		if c == 0 || c == '\n' || len(data) >= maxlen-1 {
			break
		}
		data = append(data, c)
	}
	return string(data), true
}
