package classroom

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// The check-in code rotates every CodeStep and each code is accepted for CodeValidity from
// the moment it is first shown, so a student who reads it just before it changes still has
// 15 seconds to type it.
const (
	CodeStep     = 30 * time.Second
	CodeValidity = 45 * time.Second
	codeDigits   = 6
)

// Code is the check-in code on the room display now.
type Code struct {
	Code      string
	ShownAt   time.Time // when this code appeared
	RotatesAt time.Time // when the next one replaces it on the display
	ValidTill time.Time // the last moment it is accepted
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// codeAt returns the code of time step n: the HMAC-SHA256 of the session secret and the
// step number, truncated to six digits (as in HOTP, RFC 4226).
func codeAt(secret string, step int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(step))
	m.Write(b[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", codeDigits, v%1_000_000)
}

func stepOf(t time.Time) int64 { return t.UnixNano() / int64(CodeStep) }

func stepStart(n int64) time.Time { return time.Unix(0, n*int64(CodeStep)).UTC() }

// CurrentCode returns the code shown at now for a session secret.
func CurrentCode(secret string, now time.Time) Code {
	n := stepOf(now)
	start := stepStart(n)
	return Code{Code: codeAt(secret, n), ShownAt: start, RotatesAt: start.Add(CodeStep), ValidTill: start.Add(CodeValidity)}
}

// CheckCode reports whether code is accepted at now: it must be the code of a step shown
// less than CodeValidity ago.
func CheckCode(secret, code string, now time.Time) bool {
	n := stepOf(now)
	for s := n; now.Sub(stepStart(s)) < CodeValidity; s-- {
		if hmac.Equal([]byte(codeAt(secret, s)), []byte(code)) {
			return true
		}
	}
	return false
}
