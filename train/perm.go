package train

import "math/rand/v2"

// PermBound is the number of rows up to which a streamed data set is
// split, like one in memory, by rng.Perm (so that it is split exactly
// as the same rows loaded would be); above it the permutation is a
// keyed Feistel network (Feistel), which needs no memory. A variable so
// that tests can lower it.
var PermBound = 1 << 24

// order is a permutation of rows: at(pos) is the row at position pos
// of the split (the first nTest positions are the test rows, the next
// nVal the validation rows), pos(row) its inverse.
type order interface {
	at(pos int) int
	pos(row int) int
}

// permOrder is a permutation held in memory, as rng.Perm draws it.
type permOrder struct {
	perm []int
	inv  []int32 // made on first use of pos
}

func (p *permOrder) at(i int) int { return p.perm[i] }

func (p *permOrder) pos(r int) int {
	if p.inv == nil {
		p.inv = make([]int32, len(p.perm))
		for i, r := range p.perm {
			p.inv[r] = int32(i)
		}
	}
	return int(p.inv[r])
}

// Feistel is a pseudorandom permutation of [0, n) computed on the fly:
// a balanced Feistel network of feistelRounds rounds over the 2h-bit
// numbers (2^2h the smallest even power of two ≥ n, so at most 4n), keyed
// by keys, restricted to [0, n) by cycle walking (applying it again to a
// value ≥ n until one is below n, which makes a permutation of [0, n)
// from one of the larger domain). It takes O(1) memory and a few
// nanoseconds a value, in either direction.
type Feistel struct {
	n    uint64
	half uint
	mask uint64
	keys [feistelRounds]uint64
}

const feistelRounds = 6

// NewFeistel returns the permutation of [0, n) that rng's next draws key.
func NewFeistel(n int, rng *rand.Rand) *Feistel {
	f := &Feistel{n: uint64(n)}
	bits := uint(1)
	for uint64(1)<<bits < uint64(n) {
		bits++
	}
	f.half = (bits + 1) / 2
	f.mask = 1<<f.half - 1
	for i := range f.keys {
		f.keys[i] = rng.Uint64()
	}
	return f
}

// round is the network's round function: a mix (splitmix64's finalizer)
// of x and the round key, cut to half bits.
func (f *Feistel) round(x, k uint64) uint64 {
	x ^= k
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x & f.mask
}

func (f *Feistel) enc(x uint64) uint64 {
	l, r := x>>f.half, x&f.mask
	for _, k := range f.keys {
		l, r = r, l^f.round(r, k)
	}
	return l<<f.half | r
}

func (f *Feistel) dec(x uint64) uint64 {
	l, r := x>>f.half, x&f.mask
	for i := len(f.keys) - 1; i >= 0; i-- {
		l, r = r^f.round(l, f.keys[i]), l
	}
	return l<<f.half | r
}

// At is the row at position i.
func (f *Feistel) At(i int) int {
	x := f.enc(uint64(i))
	for x >= f.n {
		x = f.enc(x)
	}
	return int(x)
}

// Pos is the position of row r: At's inverse.
func (f *Feistel) Pos(r int) int {
	x := f.dec(uint64(r))
	for x >= f.n {
		x = f.dec(x)
	}
	return int(x)
}

func (f *Feistel) at(i int) int  { return f.At(i) }
func (f *Feistel) pos(r int) int { return f.Pos(r) }

// newOrder draws the split's permutation of n rows from rng: rng.Perm
// up to PermBound rows (as Split draws it), a Feistel network above.
func newOrder(n int, rng *rand.Rand) order {
	if n <= PermBound {
		return &permOrder{perm: rng.Perm(n)}
	}
	return NewFeistel(n, rng)
}
