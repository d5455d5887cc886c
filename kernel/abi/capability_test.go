package abi

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The capability numbers are the UAPI header's, where it is installed.
func TestCapabilitiesMatchHeader(t *testing.T) {
	const path = "/usr/include/linux/capability.h"
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ours := map[string]int{
		"CAP_CHOWN": CAP_CHOWN, "CAP_DAC_OVERRIDE": CAP_DAC_OVERRIDE, "CAP_DAC_READ_SEARCH": CAP_DAC_READ_SEARCH,
		"CAP_FOWNER": CAP_FOWNER, "CAP_FSETID": CAP_FSETID, "CAP_KILL": CAP_KILL, "CAP_SETGID": CAP_SETGID,
		"CAP_SETUID": CAP_SETUID, "CAP_SETPCAP": CAP_SETPCAP, "CAP_LINUX_IMMUTABLE": CAP_LINUX_IMMUTABLE,
		"CAP_NET_BIND_SERVICE": CAP_NET_BIND_SERVICE, "CAP_NET_BROADCAST": CAP_NET_BROADCAST,
		"CAP_NET_ADMIN": CAP_NET_ADMIN, "CAP_NET_RAW": CAP_NET_RAW, "CAP_IPC_LOCK": CAP_IPC_LOCK,
		"CAP_IPC_OWNER": CAP_IPC_OWNER, "CAP_SYS_MODULE": CAP_SYS_MODULE, "CAP_SYS_RAWIO": CAP_SYS_RAWIO,
		"CAP_SYS_CHROOT": CAP_SYS_CHROOT, "CAP_SYS_PTRACE": CAP_SYS_PTRACE, "CAP_SYS_PACCT": CAP_SYS_PACCT,
		"CAP_SYS_ADMIN": CAP_SYS_ADMIN, "CAP_SYS_BOOT": CAP_SYS_BOOT, "CAP_SYS_NICE": CAP_SYS_NICE,
		"CAP_SYS_RESOURCE": CAP_SYS_RESOURCE, "CAP_SYS_TIME": CAP_SYS_TIME, "CAP_SYS_TTY_CONFIG": CAP_SYS_TTY_CONFIG,
		"CAP_MKNOD": CAP_MKNOD, "CAP_LEASE": CAP_LEASE, "CAP_AUDIT_WRITE": CAP_AUDIT_WRITE,
		"CAP_AUDIT_CONTROL": CAP_AUDIT_CONTROL, "CAP_SETFCAP": CAP_SETFCAP, "CAP_MAC_OVERRIDE": CAP_MAC_OVERRIDE,
		"CAP_MAC_ADMIN": CAP_MAC_ADMIN, "CAP_SYSLOG": CAP_SYSLOG, "CAP_WAKE_ALARM": CAP_WAKE_ALARM,
		"CAP_BLOCK_SUSPEND": CAP_BLOCK_SUSPEND, "CAP_AUDIT_READ": CAP_AUDIT_READ, "CAP_PERFMON": CAP_PERFMON,
		"CAP_BPF": CAP_BPF, "CAP_CHECKPOINT_RESTORE": CAP_CHECKPOINT_RESTORE,
	}
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[0] != "#define" {
			continue
		}
		want, ok := ours[fields[1]]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			continue
		}
		if n != want {
			t.Errorf("%s is %d in %s, %d here", fields[1], n, path, want)
		}
		seen++
	}
	if seen != len(ours) {
		t.Errorf("%d of %d capabilities found in %s", seen, len(ours), path)
	}
}
