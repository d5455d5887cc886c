package kernel

import (
	"kplay/consoledrv"
)

// kernelInit is pid 1's body (kernel_init): it spawns the boot-time kernel
// threads through kthreadd, becomes a user process with an address space
// and the console as fds 0-2, and then serves the console as the REPL's
// shell.
func (k *Kernel) kernelInit(self *Task) {
	k.softd = k.kthreadCreate("ksoftirqd/0", k.ksoftirqd)
	k.worker = k.kthreadCreate("kworker/0:0", k.kworker)
	k.startSyscalld()
	k.startVmstat()
	k.printk(consoledrv.Info, "Run /sbin/init as init process")
	// "execve": init leaves the kernel-thread world.
	self.Flags &^= pfKthread
	k.setupUserMM(self)
	self.Argv = []string{"/sbin/init"}
	k.populateRootfs()
	k.openConsole(self)
	k.initShell(self)
}

// startSyscalld creates the next ksyscalld thread.
func (k *Kernel) startSyscalld() *Task {
	t := k.kthreadCreate(sprintf("ksyscalld/%d", k.nsyscalld), k.ksyscalld)
	k.nsyscalld++
	return t
}

// initShell is init's loop: block reading the console; when the REPL has
// typed a request, trap into the kernel with it (the task path).
func (k *Kernel) initShell(self *Task) {
	for {
		for len(k.ttyQueue) > 0 {
			req := k.ttyQueue[0]
			k.ttyQueue = k.ttyQueue[1:]
			self.req = req
			ret := k.doSyscall(self, req)
			self.req = nil
			req.finish(ret, false)
		}
		d := self.enter("entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_read", "ksys_read",
			"vfs_read", "tty_read", "n_tty_read", "wait_woken", "schedule_timeout")
		k.sleepOn(TaskInterruptible, "read(0): waiting for console input")
		self.leave(d)
	}
}
