package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// id prints the caller's user and group ids as coreutils' id(1) does for
// ids it has no names for: "uid=1000 gid=1000 groups=1000,10", with
// euid= and egid= when they differ from the real ones. The group list is
// the real gid, the effective one if different, then each supplementary
// group that is neither. -u, -g and -G print only the effective uid, the
// effective gid, or the group list (space-separated); with -r, the real
// ids. It uses getuid, geteuid, getgid, getegid and getgroups only: kplay
// has no user database to name the ids from.
func id(u *User, argv []string) int {
	only, real := byte(0), false
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "-") || a == "-" {
			u.Errorf("id: extra operand '%s'", a)
			u.Errorf("Try 'id --help' for more information.")
			return 1
		}
		for _, c := range []byte(a[1:]) {
			switch c {
			case 'u', 'g', 'G':
				if only != 0 && only != c {
					u.Errorf("id: cannot print \"only\" of more than one choice")
					return 1
				}
				only = c
			case 'r':
				real = true
			default:
				u.Errorf("id: invalid option -- '%c'", c)
				u.Errorf("Try 'id --help' for more information.")
				return 1
			}
		}
	}
	if real && only == 0 {
		u.Errorf("id: printing only names or real IDs requires -u, -g, or -G")
		return 1
	}
	ruid, euid := u.Syscall("getuid"), u.Syscall("geteuid")
	rgid, egid := u.Syscall("getgid"), u.Syscall("getegid")
	groups := []int64{rgid}
	if egid != rgid {
		groups = append(groups, egid)
	}
	n := u.Syscall("getgroups", 0, 0)
	if n > 0 {
		buf := u.Buf(int(4 * n))
		if n = u.Syscall("getgroups", uint64(n), buf); n > 0 {
			b := u.Load(buf, int(4*n))
			for i := 0; i+4 <= len(b); i += 4 {
				if g := int64(binary.LittleEndian.Uint32(b[i:])); g != rgid && g != egid {
					groups = append(groups, g)
				}
			}
		}
	}
	if n < 0 {
		u.Errorf("id: cannot get groups: %s", strerror(n))
		return 1
	}
	var out string
	switch only {
	case 'u':
		out = fmt.Sprint(pick(real, ruid, euid))
	case 'g':
		out = fmt.Sprint(pick(real, rgid, egid))
	case 'G':
		out = strings.Trim(fmt.Sprint(groups), "[]")
	default:
		out = fmt.Sprintf("uid=%d gid=%d", ruid, rgid)
		if euid != ruid {
			out += fmt.Sprintf(" euid=%d", euid)
		}
		if egid != rgid {
			out += fmt.Sprintf(" egid=%d", egid)
		}
		out += " groups=" + strings.ReplaceAll(strings.Trim(fmt.Sprint(groups), "[]"), " ", ",")
	}
	if u.Write(1, out+"\n") < 0 {
		return 1
	}
	return 0
}

func pick(real bool, r, e int64) int64 {
	if real {
		return r
	}
	return e
}
