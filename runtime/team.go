package runtime

// team runs one piece of work per member concurrently: member 0 on the
// calling goroutine, the others on goroutines that live as long as the
// team. A run costs two channel operations per helper member and
// allocates nothing, so it can sit inside a training step.
type team struct {
	work  func(i int)
	start []chan struct{}
	done  chan struct{}
}

func newTeam(n int, work func(i int)) *team {
	t := &team{work: work, done: make(chan struct{}, n)}
	for i := 1; i < n; i++ {
		ch := make(chan struct{})
		t.start = append(t.start, ch)
		go func() {
			for range ch {
				work(i)
				t.done <- struct{}{}
			}
		}()
	}
	return t
}

// run calls work(i) for every member and waits for all of them.
func (t *team) run() {
	for _, ch := range t.start {
		ch <- struct{}{}
	}
	t.work(0)
	for range t.start {
		<-t.done
	}
}

// close stops the helper goroutines.
func (t *team) close() {
	for _, ch := range t.start {
		close(ch)
	}
	t.start = nil
}

// Shards is how many parts a batch is split into for parallel execution.
// It depends only on the batch size, never on the number of cores, so
// results are bit-identical on every machine.
func Shards(batch int) int {
	if batch >= 64 {
		return 2
	}
	return 1
}

// shardSizes splits n rows into k near-equal parts.
func shardSizes(n, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}
