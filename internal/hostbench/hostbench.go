// Package hostbench holds the host baselines that kplay's benchmarks are
// measured beside, so that `go test -bench` and `kplay bench` run the same
// code.
package hostbench

import (
	"runtime"
	"sync"
	"syscall"
)

// Getpid makes n getpid system calls on the host.
func Getpid(n int) {
	for i := 0; i < n; i++ {
		syscall.Getpid()
	}
}

// GoroutineHandoff passes a token between two goroutines n times (n/2
// round trips over unbuffered channels).
func GoroutineHandoff(n int) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	for i := 0; i < n; i += 2 {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
}

// PipeRoundTrip sends one byte to another OS thread and back through two
// pipes, n times: the classic context-switch measurement (lmbench's
// lat_ctx and lat_pipe), with both ends locked to their own thread. It
// returns an error when the host has no pipes.
func PipeRoundTrip(n int) error {
	var there, back [2]int
	if err := syscall.Pipe(there[:]); err != nil {
		return err
	}
	if err := syscall.Pipe(back[:]); err != nil {
		syscall.Close(there[0])
		syscall.Close(there[1])
		return err
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		buf := make([]byte, 1)
		for {
			if m, _ := syscall.Read(there[0], buf); m <= 0 {
				break
			}
			syscall.Write(back[1], buf)
		}
		close(done)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := []byte{1}
	for i := 0; i < n; i++ {
		syscall.Write(there[1], buf)
		syscall.Read(back[0], buf)
	}
	syscall.Close(there[1])
	<-done
	syscall.Close(there[0])
	syscall.Close(back[0])
	syscall.Close(back[1])
	return nil
}

// poolObj is what SyncPool hands around: a 64-byte object, the size of
// the kmem_cache row it is the baseline of.
type poolObj [64]byte

var pool = sync.Pool{New: func() any { return new(poolObj) }}

// SyncPool makes n Get+Put pairs on a sync.Pool of 64-byte objects: Go's
// own object cache, the baseline of kmem_cache_alloc+free.
func SyncPool(n int) {
	for i := 0; i < n; i++ {
		o := pool.Get().(*poolObj)
		o[0] = byte(i)
		pool.Put(o)
	}
}

// HeapPage allocates n 4 KiB slices from the Go heap (and drops them for
// the collector): the baseline of an order-0 alloc_pages+free_pages.
func HeapPage(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 4096)
		runtime.KeepAlive(b) // the allocation is the point: keep it
	}
}

// PageFault touches n fresh pages of anonymous host memory, 1024 at a
// time (mmap, one write per page, munmap): each write is a real page
// fault of the host's kernel. It returns an error when mmap fails.
func PageFault(n int) error {
	const chunk = 1024
	for done := 0; done < n; done += chunk {
		pages := min(chunk, n-done)
		b, err := syscall.Mmap(-1, 0, pages*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return err
		}
		for i := 0; i < pages; i++ {
			b[i*4096] = 1
		}
		syscall.Munmap(b)
	}
	return nil
}
