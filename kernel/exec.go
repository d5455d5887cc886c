package kernel

import (
	"encoding/binary"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/prog"
	"kplay/kernel/vfs"
)

// An executable in kplay is a file whose first line names what it runs:
//
//	#!kplay builtin NAME     a built-in program (cat, echo, ls, sh, ...)
//	#!kplay prog             the rest of the file is a program-language
//	                         program
//
// /bin holds one file of the first kind per built-in. execve of anything
// else fails with ENOEXEC, as a file the kernel has no binfmt for.
const (
	execMagicBuiltin = "#!kplay builtin "
	execMagicProg    = "#!kplay prog\n"
)

// image is what a task runs in user mode: statements of the program
// language, or a built-in program with its argv.
type image struct {
	body    []prog.Stmt
	builtin builtinFunc
	argv    []string
	// setuid and setgid say that the file's set-user-ID or set-group-ID
	// bit makes the caller's effective uid or gid the file's uid or gid
	// (bprm_fill_uid).
	setuid, setgid bool
	uid, gid       int
}

// execUnwind is panicked from the return of a successful execve to
// unwind the old program's user-mode Go frames; runImage catches it and
// starts the new image (the old image is gone, as after a real execve).
type execUnwind struct{}

// maxArgStrlen and the argv limits of execve (MAX_ARG_STRLEN,
// MAX_ARG_STRINGS): E2BIG beyond.
const (
	maxArgStrlen  = 32 * 4096
	maxArgStrings = 0x7fffffff
	maxArgBytes   = 32 * 4096 // kplay's whole-argv limit: a quarter of an 8 MiB stack in Linux
)

func init() {
	addSyscalls(map[string]syscallDef{
		"execve": {fn: sysExecve, args: []argKind{argPath, argArgv, argEnvp},
			proto: "int execve(const char *pathname, char *const _Nullable argv[], char *const _Nullable envp[]);"},
	})
}

// sysExecve implements Linux syscall execve(2): the file must be a
// regular file the caller may execute on a mount without noexec (EACCES),
// and an executable kplay knows (ENOEXEC). On success the task's memory
// is replaced, close-on-exec descriptors are closed, comm becomes the
// file's name, and the call "returns" into the new program.
func sysExecve(k *Kernel, t *Task, a *[6]uint64) int64 {
	if t.MM == nil || t.Files == nil {
		return errno(abi.EFAULT) // no user memory to read the arguments from
	}
	name, err := k.getname(t, a[0])
	if err != 0 {
		return errno(err)
	}
	argv, err := k.userStrings(t, a[1])
	if err != 0 {
		return errno(err)
	}
	if _, err := k.userStrings(t, a[2]); err != 0 {
		return errno(err)
	}
	img, err := k.openExec(t, name, argv)
	if err != 0 {
		return errno(err)
	}
	// Only a process running a program can replace it. Kernel threads
	// (ksyscalld on the application path) have no image; init is the
	// front end's shell, and a shell that exec'd would take the console
	// with it, so kplay's init refuses, as a process being traced can,
	// once the file has passed every check a real exec makes first.
	if t.Kthread() || t == k.initTsk {
		return errno(abi.EPERM)
	}
	cred := k.execCreds(t, img)
	if cred == nil {
		return errno(abi.ENOMEM)
	}
	// The point of no return (begin_new_exec): a fresh address space,
	// the new credentials, close-on-exec files closed, the new name.
	as := k.newUserMM()
	if as == nil {
		k.abortCreds(cred)
		return errno(abi.ENOMEM)
	}
	k.commitCreds(t, cred)
	for _, x := range k.threadGroup(t) {
		if x != t {
			x.pendingSignals |= sigmask(abi.SIGKILL) // de_thread
			k.signalWakeUp(x, true)
		}
	}
	old := t.MM
	t.MM, t.ActiveMM, t.scratch = as, as, stackTop
	k.mmput(old)
	for fd, c := range t.Files.cloexec {
		if c {
			k.closeFd(t, fd)
		}
	}
	base := name[strings.LastIndexByte(name, '/')+1:]
	t.Comm = truncComm(base)
	t.Argv = argv
	t.execImage = &img
	return 0
}

// openExec finds the file execve runs, as t would (do_open_execat and
// the binfmt search): ENOENT and the lookup's errors, EACCES for what is
// not a regular file on an exec mount or lacks x permission, ENOEXEC for
// a format kplay does not know.
func (k *Kernel) openExec(t *Task, name string, argv []string) (image, abi.Errno) {
	vt := k.vfsTask(t)
	p, err := k.vfs.Lookup(vt, vt.Cwd, name, true)
	if err != 0 {
		return image{}, err
	}
	in := p.Inode()
	if !in.IsReg() || p.Mnt.Flags&vfs.MS_NOEXEC != 0 {
		return image{}, abi.EACCES
	}
	if err := vfs.Permission(vt.Cred, in, vfs.MAY_EXEC); err != 0 {
		return image{}, err
	}
	img, err := k.loadImage(in, argv)
	if err == 0 && p.Mnt.Flags&vfs.MS_NOSUID == 0 {
		img.setuid = in.Mode&vfs.S_ISUID != 0
		img.setgid = in.Mode&(vfs.S_ISGID|0o010) == vfs.S_ISGID|0o010
		img.uid, img.gid = in.UID, in.GID
	}
	return img, err
}

// execCreds prepares the credentials t runs a new image with
// (prepare_exec_creds, bprm_fill_uid, cap_bprm_creds_from_file): a
// set-user-ID file makes the effective uid the file's owner, a
// set-group-ID (and group-executable) one the effective gid its group;
// then the saved and fs ids become the effective ones, as every execve
// does. The capabilities follow from the new ids. nil when there is no
// memory.
func (k *Kernel) execCreds(t *Task, img image) *Cred {
	new := k.prepareCreds(t)
	if new == nil {
		return nil
	}
	if img.setuid {
		new.EUID = img.uid
	}
	if img.setgid {
		new.EGID = img.gid
	}
	new.SUID, new.FSUID = new.EUID, new.EUID
	new.SGID, new.FSGID = new.EGID, new.EGID
	return new
}

// loadImage reads an executable's first line (search_binary_handler):
// ENOEXEC when it is none of kplay's formats.
func (k *Kernel) loadImage(in *vfs.Inode, argv []string) (image, abi.Errno) {
	buf := make([]byte, in.Size)
	data := string(buf[:in.ReadAt(buf, 0)])
	if rest, ok := strings.CutPrefix(data, execMagicBuiltin); ok {
		name, _, _ := strings.Cut(rest, "\n")
		fn := builtins[strings.TrimSpace(name)]
		if fn == nil {
			return image{}, abi.ENOEXEC
		}
		return image{builtin: fn, argv: argv}, 0
	}
	if src, ok := strings.CutPrefix(data, execMagicProg); ok {
		p, err := prog.Parse(src)
		if err != nil || checkProgram(p.Body) != nil {
			return image{}, abi.ENOEXEC
		}
		return image{body: p.Body, argv: argv}, 0
	}
	return image{}, abi.ENOEXEC
}

// userStrings reads a NULL-terminated array of string pointers (argv,
// envp) from user memory; NULL is an empty array. EFAULT, E2BIG.
func (k *Kernel) userStrings(t *Task, addr uint64) ([]string, abi.Errno) {
	var out []string
	if addr == 0 {
		return nil, 0
	}
	total := 0
	for i := 0; ; i++ {
		var b [8]byte
		if _, err := k.copyFromUser(t, b[:], addr+uint64(8*i)); err != 0 {
			return nil, abi.EFAULT
		}
		p := binary.LittleEndian.Uint64(b[:])
		if p == 0 {
			return out, 0
		}
		s, err := k.strncpyFromUser(t, p, maxArgStrlen)
		if err == abi.ENAMETOOLONG {
			return nil, abi.E2BIG
		}
		if err != 0 {
			return nil, err
		}
		total += len(s) + 1 + 8
		if total > maxArgBytes || i >= maxArgStrings {
			return nil, abi.E2BIG
		}
		out = append(out, s)
	}
}

// runImage runs an image in t's user mode until it ends, or until an
// execve replaces it, and then runs the new one. It returns the exit code
// of a built-in (the program language's programs exit by their own
// statements or by falling off the end, with 0).
func (k *Kernel) runImage(t *Task, img image) int {
	for {
		next, code := k.runOnce(t, img)
		if next == nil {
			return code
		}
		img = *next
	}
}

func (k *Kernel) runOnce(t *Task, img image) (next *image, code int) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(execUnwind); !ok {
				panic(r)
			}
			next, t.execImage = t.execImage, nil
		}
	}()
	if img.builtin != nil {
		return nil, img.builtin(&User{k: k, t: t}, img.argv)
	}
	k.exec(t, img.body)
	return nil, 0
}

// pushArgv places argv's strings and a NULL-terminated pointer array on
// t's stack for execve, as a C caller would build them.
func (k *Kernel) pushArgv(t *Task, argv []string) uint64 {
	ptrs := make([]byte, 8*(len(argv)+1))
	for i, s := range argv {
		binary.LittleEndian.PutUint64(ptrs[8*i:], k.pushUser(t, append([]byte(s), 0)))
	}
	return k.pushUser(t, ptrs)
}

// setupBin makes /bin's executables at boot: one file per built-in.
func (k *Kernel) setupBin() {
	for _, name := range BuiltinPrograms() {
		k.writeBootFile("/bin/"+name, execMagicBuiltin+name+"\n", 0o755)
	}
}
