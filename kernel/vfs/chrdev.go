package vfs

import (
	"sort"

	"kplay/kernel/abi"
)

// Chrdev is a registered character device driver (struct char_device_struct
// with its cdev): a major number, a name for /proc/devices, a range of
// minors and the file operations opened on them.
type Chrdev struct {
	Major      uint32
	BaseMinor  uint32
	MinorCount uint32
	Name       string
	Fops       *FileOperations
}

// Chrdev majors are at most CHRDEV_MAJOR_MAX - 1; dynamic ones are handed
// out from 254 down to 234, then from 511 down to 384, as Linux does.
const (
	chrdevMajorMax        = 512
	chrdevMajorDynStart   = 254
	chrdevMajorDynEnd     = 234
	chrdevMajorDynExStart = 511
	chrdevMajorDynExEnd   = 384
)

// RegisterChrdev registers a driver for minors [baseMinor,
// baseMinor+count) of major (__register_chrdev); major 0 asks for a free
// dynamic major, which is returned. EBUSY if the range overlaps another
// driver's, EINVAL for a major out of range.
func (v *VFS) RegisterChrdev(major, baseMinor, count uint32, name string, fops *FileOperations) (uint32, Errno) {
	if major >= chrdevMajorMax || count == 0 {
		return 0, abi.EINVAL
	}
	if major == 0 {
		major = v.freeDynamicMajor()
		if major == 0 {
			return 0, abi.EBUSY
		}
	}
	for _, c := range v.chrdevs {
		if c.Major == major && baseMinor < c.BaseMinor+c.MinorCount && c.BaseMinor < baseMinor+count {
			return 0, abi.EBUSY
		}
	}
	v.chrdevs = append(v.chrdevs, &Chrdev{Major: major, BaseMinor: baseMinor, MinorCount: count, Name: name, Fops: fops})
	sort.SliceStable(v.chrdevs, func(i, j int) bool {
		a, b := v.chrdevs[i], v.chrdevs[j]
		if a.Major != b.Major {
			return a.Major < b.Major
		}
		return a.BaseMinor < b.BaseMinor
	})
	return major, 0
}

func (v *VFS) freeDynamicMajor() uint32 {
	used := func(m uint32) bool {
		for _, c := range v.chrdevs {
			if c.Major == m {
				return true
			}
		}
		return false
	}
	for m := uint32(chrdevMajorDynStart); m >= chrdevMajorDynEnd; m-- {
		if !used(m) {
			return m
		}
	}
	for m := uint32(chrdevMajorDynExStart); m >= chrdevMajorDynExEnd; m-- {
		if !used(m) {
			return m
		}
	}
	return 0
}

// UnregisterChrdev removes the driver registered for major and baseMinor.
func (v *VFS) UnregisterChrdev(major, baseMinor uint32) {
	for i, c := range v.chrdevs {
		if c.Major == major && c.BaseMinor == baseMinor {
			v.chrdevs = append(v.chrdevs[:i:i], v.chrdevs[i+1:]...)
			return
		}
	}
}

// Chrdevs lists the registered drivers by major and minor, as
// /proc/devices does.
func (v *VFS) Chrdevs() []*Chrdev { return v.chrdevs }

// chrdevOpen is chrdev_open: the driver of the inode's device takes over
// the file's operations; ENXIO when no driver has that number.
func (v *VFS) chrdevOpen(in *Inode, f *File) Errno {
	for _, c := range v.chrdevs {
		if c.Major == in.Rdev.Major && in.Rdev.Minor >= c.BaseMinor && in.Rdev.Minor < c.BaseMinor+c.MinorCount {
			f.Op = c.Fops
			if f.Op != nil && f.Op.Open != nil {
				return f.Op.Open(in, f)
			}
			return 0
		}
	}
	return abi.ENXIO
}
