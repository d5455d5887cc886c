package kernel

import "kplay/kernel/abi"

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
		Prototype: def.proto, Manual: name + "(2)"}
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
