package kernel

import "kplay/kernel/abi"

// prototypes are the C signatures of the implemented calls, as their
// manual pages (section 2) give them.
var prototypes = map[string]string{
	"write":                  "ssize_t write(int fd, const void buf[.count], size_t count);",
	"sched_yield":            "int sched_yield(void);",
	"getpid":                 "pid_t getpid(void);",
	"exit":                   "[[noreturn]] void _exit(int status);",
	"uname":                  "int uname(struct utsname *buf);",
	"getuid":                 "uid_t getuid(void);",
	"getgid":                 "gid_t getgid(void);",
	"geteuid":                "uid_t geteuid(void);",
	"getegid":                "gid_t getegid(void);",
	"getppid":                "pid_t getppid(void);",
	"gettid":                 "pid_t gettid(void);",
	"exit_group":             "[[noreturn]] void syscall(SYS_exit_group, int status);",
	"nanosleep":              "int nanosleep(const struct timespec *req, struct timespec *_Nullable rem);",
	"clock_gettime":          "int clock_gettime(clockid_t clockid, struct timespec *tp);",
	"clock_nanosleep":        "int clock_nanosleep(clockid_t clockid, int flags, const struct timespec *request, struct timespec *_Nullable remain);",
	"alarm":                  "unsigned int alarm(unsigned int seconds);",
	"times":                  "clock_t times(struct tms *buf);",
	"sysinfo":                "int sysinfo(struct sysinfo *info);",
	"fork":                   "pid_t fork(void);",
	"vfork":                  "pid_t vfork(void);",
	"clone":                  "long syscall(SYS_clone, unsigned long flags, void *stack, int *parent_tid, int *child_tid, unsigned long tls);",
	"wait4":                  "pid_t wait4(pid_t pid, int *_Nullable wstatus, int options, struct rusage *_Nullable rusage);",
	"kill":                   "int kill(pid_t pid, int sig);",
	"getpriority":            "int getpriority(int which, id_t who);",
	"setpriority":            "int setpriority(int which, id_t who, int prio);",
	"sched_setparam":         "int sched_setparam(pid_t pid, const struct sched_param *param);",
	"sched_getparam":         "int sched_getparam(pid_t pid, struct sched_param *param);",
	"sched_setscheduler":     "int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param);",
	"sched_getscheduler":     "int sched_getscheduler(pid_t pid);",
	"brk":                    "int brk(void *addr);",
	"mmap":                   "void *mmap(void addr[.length], size_t length, int prot, int flags, int fd, off_t offset);",
	"munmap":                 "int munmap(void addr[.length], size_t length);",
	"mprotect":               "int mprotect(void addr[.len], size_t len, int prot);",
	"sched_get_priority_max": "int sched_get_priority_max(int policy);",
	"sched_get_priority_min": "int sched_get_priority_min(int policy);",
	"sched_rr_get_interval":  "int sched_rr_get_interval(pid_t pid, struct timespec *tp);",
}

// Sysent is one entry of the system call table (as strace's sysent
// lists them): its number, name, argument count, whether kplay implements
// it (or answers ENOSYS), its signature and manual page.
type Sysent struct {
	Nr          int    `json:"nr"`
	Name        string `json:"name"`
	Args        int    `json:"args"`
	Implemented bool   `json:"implemented"`
	Prototype   string `json:"prototype,omitempty"`
	Manual      string `json:"manual"`
}

func sysentOf(nr int) Sysent {
	name, _ := abi.SyscallName(nr)
	def, ok := lookupSyscall(nr)
	return Sysent{Nr: nr, Name: name, Args: len(def.args), Implemented: ok,
		Prototype: prototypes[name], Manual: name + "(2)"}
}

// SyscallTable lists every x86-64 system call Linux has, in number order.
func (k *Kernel) SyscallTable() []Sysent {
	var out []Sysent
	for nr := 0; nr < abi.NRSyscalls; nr++ {
		if _, ok := abi.SyscallName(nr); ok {
			out = append(out, sysentOf(nr))
		}
	}
	return out
}

// SyscallEntry returns one entry by name or number.
func (k *Kernel) SyscallEntry(name string) (Sysent, error) {
	nr, ok := abi.SyscallNumber(name)
	if !ok {
		return Sysent{}, errInvalid("sysent: %q is not an x86-64 system call (sysent lists them)", name)
	}
	return sysentOf(nr), nil
}
