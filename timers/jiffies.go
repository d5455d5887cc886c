package timers

// InitialJiffies is INITIAL_JIFFIES for a 64-bit kernel:
// ((unsigned long)(unsigned int)(-300*HZ)), i.e. five minutes before the
// low 32 bits wrap.
func InitialJiffies(hz int) uint64 {
	return uint64(uint32(int32(-300 * hz)))
}

// TimeAfter reports whether a is after b (time_after(a, b)), correct across
// wrap-around as long as the two are less than 2^63 ticks apart.
func TimeAfter(a, b uint64) bool { return int64(b-a) < 0 }

// TimeBefore is time_before(a, b).
func TimeBefore(a, b uint64) bool { return TimeAfter(b, a) }

// TimeAfterEq is time_after_eq(a, b).
func TimeAfterEq(a, b uint64) bool { return int64(a-b) >= 0 }

// TimeBeforeEq is time_before_eq(a, b).
func TimeBeforeEq(a, b uint64) bool { return TimeAfterEq(b, a) }
