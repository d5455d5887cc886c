// Package consoledrv is kplay's console driver and printk: the kernel log
// ring buffer and the consoles that messages are printed on.
//
// printk stores every message in the log buffer (the ring that dmesg reads)
// with its level and the kernel time, then prints it on every registered
// console if its level is below the console loglevel (console_loglevel, 7 by
// default: everything but debug; the `quiet` boot option makes it 4). The
// buffer has a fixed size in bytes, as Linux's log_buf_len; when it is full
// the oldest records are dropped.
//
// A console registered with PrintBuffer (CON_PRINTBUFFER) is first given the
// messages already in the buffer, which is how the boot messages logged
// before any console existed reach the screen.
//
// Writes to file descriptors 1 and 2 of a task attached to the console go
// through Write: they reach the consoles as they are, not through the log.
package consoledrv
