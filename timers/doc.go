// Package timers holds kplay's notion of time in ticks: jiffies, the
// comparisons that survive their wrap-around, and the timer base that the
// TIMER softirq runs (struct timer_list, add_timer, mod_timer, del_timer).
//
// Jiffies count ticks since boot, starting at InitialJiffies as Linux does,
// so that the 32-bit wrap happens five minutes after boot, where bugs show.
// Compare jiffies only with TimeAfter and friends, never with < or >.
//
// This first base is a list kept sorted by expiry (FIFO among equal
// expiries): simple, obviously right, O(n) to insert. The cascading timer
// wheel of Linux 2.6 replaces it as the kernel's base later and this list
// stays as the reference model its property test compares against.
package timers
