/*
 * Small blocks for the Windows build: malloc, calloc, realloc and free of
 * everything linked into an executable with the library (enforcer's own
 * code, libyaml, jansson, OpenSSL, libgit2) come here, through the linker's
 * --wrap (meson.build). The C runtime's heap costs about 100 ns per malloc
 * and free under Wine (a general-purpose heap behind a lock; Wine 8 has no
 * low-fragmentation heap), and a plan makes 100 to 400 allocations per
 * resource: the policy's YAML and model, OpenSSL's certificates, the plan
 * and the report. Here a malloc and its free cost about 10 ns.
 *
 * A block of at most SMALL_MAX bytes comes from one of 32 size classes (16,
 * 32, ... 512 bytes). A class allocates from one page (64 KiB of an address
 * range reserved at first use, committed 1 MiB at a time): from the blocks
 * freed on it, else from its unused rest. A page whose blocks are all free
 * again goes back to the pool for any class, so that memory the policy's
 * YAML tree used serves the plan and the report afterwards. A block's class
 * is that of its page, so blocks carry no header, and whether a pointer is
 * ours is one comparison against the range. Everything else goes to the C
 * runtime as before: larger blocks, and every block the C runtime allocated
 * itself (strdup, _wcsdup, _wgetcwd), which free() and realloc() recognise
 * as outside the range. Pages are never given back to the system: enforcer
 * is a command that runs for seconds.
 *
 * The pool belongs to the first thread that allocates (the main thread), so
 * that it needs no lock. Other threads allocate from the C runtime; a pool
 * block they free is pushed onto a list that the owner takes back, the only
 * place where the threads meet (one atomic operation each).
 */
#include <stddef.h>
#include <string.h>
#include <windows.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

/* Only the linker refers to these, for every call to malloc and the others. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

#define SMALL_MAX    512
#define GRAIN        16 /* what the C runtime's malloc aligns to on x64 */
#define CLASSES      (SMALL_MAX / GRAIN)
#define PAGE_BYTES   ((size_t)64 << 10)
#define COMMIT_BYTES ((size_t)1 << 20)
#define RANGE_BYTES  ((size_t)1 << 30) /* address space only: committed as it is used */
#define PAGES        (RANGE_BYTES / PAGE_BYTES)

typedef struct free_block {
	struct free_block *next;
} free_block;

/*
 * A page in use holds blocks of one class. It is its class's current page,
 * or on its class's list of pages with free blocks (`partial`), or full
 * (on no list), or, with no block in use, on the list of empty pages.
 */
typedef struct page {
	free_block *free; /* blocks freed on this page */
	char *bump;       /* the start of its never used rest */
	struct page *prev, *next;
	unsigned live; /* blocks in use */
	unsigned char cls;
	unsigned char listed; /* on `partial` or `empty` */
} page;

static struct {
	volatile LONG owner; /* the thread id of the pool's thread; 0 before the first allocation */
	int tried;           /* the range was reserved, or that failed */
	char *base;          /* the range; NULL when its reservation failed */
	size_t pages;        /* pages taken from the range so far */
	size_t committed;    /* bytes committed from base */
	page *current[CLASSES];
	page *partial[CLASSES];
	page *empty;
	free_block *volatile returned; /* pool blocks other threads freed */
	page page[PAGES];
} pool;

static int is_ours(const void *p)
{
	return pool.base && (size_t)((const char *)p - pool.base) < RANGE_BYTES;
}

static page *page_of(const void *p)
{
	return &pool.page[(size_t)((const char *)p - pool.base) / PAGE_BYTES];
}

static char *page_start(const page *pg)
{
	return pool.base + (size_t)(pg - pool.page) * PAGE_BYTES;
}

static size_t class_bytes(size_t c)
{
	return (c + 1) * GRAIN;
}

/*
 * The calling thread's id, as GetCurrentThreadId() reads it from the TEB,
 * without the call into kernel32 (which every malloc and free would make).
 */
static LONG thread_id(void)
{
#if defined(_MSC_VER) && defined(_M_X64)
	return (LONG)__readgsdword(0x48); /* TEB.ClientId.UniqueThread */
#elif defined(__GNUC__) && defined(__x86_64__)
	LONG id;
	__asm__("movl %%gs:0x48, %0" : "=r"(id)); /* TEB.ClientId.UniqueThread */
	return id;
#else
	return (LONG)GetCurrentThreadId();
#endif
}

/* True on the pool's thread, which the first caller becomes. */
static int on_pool_thread(void)
{
	LONG me = thread_id();
	if (pool.owner == me)
		return 1;
	return pool.owner == 0 && InterlockedCompareExchange(&pool.owner, me, 0) == 0;
}

static void list_push(page **list, page *pg)
{
	pg->prev = NULL;
	pg->next = *list;
	if (*list)
		(*list)->prev = pg;
	*list = pg;
	pg->listed = 1;
}

static void list_remove(page **list, page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		*list = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->prev = pg->next = NULL;
	pg->listed = 0;
}

/* An unused page: an empty one, else a fresh one of the range; NULL when there is none. */
static page *take_page(void)
{
	if (pool.empty) {
		page *pg = pool.empty;
		list_remove(&pool.empty, pg);
		return pg;
	}
	if (!pool.tried) {
		pool.tried = 1;
		pool.base = VirtualAlloc(NULL, RANGE_BYTES, MEM_RESERVE, PAGE_NOACCESS);
	}
	if (!pool.base || pool.pages >= PAGES)
		return NULL;
	size_t start = pool.pages * PAGE_BYTES;
	if (start + PAGE_BYTES > pool.committed) {
		if (!VirtualAlloc(pool.base + pool.committed, COMMIT_BYTES, MEM_COMMIT,
		                  PAGE_READWRITE))
			return NULL;
		pool.committed += COMMIT_BYTES;
	}
	return &pool.page[pool.pages++];
}

/* Gives class `c` a page to allocate from; 0 when there is none. */
static int next_page(size_t c)
{
	page *pg = pool.partial[c];
	if (pg) {
		list_remove(&pool.partial[c], pg);
	} else {
		if (!(pg = take_page()))
			return 0;
		pg->free = NULL;
		pg->bump = page_start(pg);
		pg->live = 0;
		pg->cls = (unsigned char)c;
	}
	/* The page it leaves is full, or it would not be left: it is on no list. */
	pool.current[c] = pg;
	return 1;
}

/* Puts a block back on its page (the pool's thread only). */
static void give_back(free_block *b)
{
	page *pg = page_of(b);
	b->next = pg->free;
	pg->free = b;
	pg->live--;
	if (pg == pool.current[pg->cls])
		return;
	if (pg->live == 0) {
		/* Nothing in use: any class may have it. */
		if (pg->listed)
			list_remove(&pool.partial[pg->cls], pg);
		list_push(&pool.empty, pg);
	} else if (!pg->listed) {
		list_push(&pool.partial[pg->cls], pg);
	}
}

/* Puts back what other threads freed (the pool's thread only). */
static void take_back_returned(void)
{
	free_block *b = InterlockedExchangePointer((void *volatile *)&pool.returned, NULL);
	while (b) {
		free_block *next = b->next;
		give_back(b);
		b = next;
	}
}

/* A block of class `c`, or NULL when this thread may not or the pool cannot give one. */
static void *pool_take(size_t c)
{
	if (!on_pool_thread())
		return NULL;
	if (pool.returned)
		take_back_returned();
	size_t size = class_bytes(c);
	for (;;) {
		page *pg = pool.current[c];
		if (pg && pg->free) {
			free_block *b = pg->free;
			pg->free = b->next;
			pg->live++;
			return b;
		}
		if (pg && (size_t)(page_start(pg) + PAGE_BYTES - pg->bump) >= size) {
			void *p = pg->bump;
			pg->bump += size;
			pg->live++;
			return p;
		}
		if (!next_page(c))
			return NULL;
	}
}

static void pool_give(void *p)
{
	if (on_pool_thread()) {
		give_back(p);
		return;
	}
	free_block *b = p, *head;
	do {
		head = pool.returned;
		b->next = head;
	} while (InterlockedCompareExchangePointer((void *volatile *)&pool.returned, b, head) !=
	         head);
}

void *__wrap_malloc(size_t n)
{
	/* malloc(0) stays the C runtime's: it returns a unique pointer, as before. */
	if (n - 1 < SMALL_MAX) {
		void *p = pool_take((n - 1) / GRAIN);
		if (p)
			return p;
	}
	return __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t n)
{
	if (count && n && count <= SMALL_MAX / n) {
		size_t bytes = count * n;
		void *p = pool_take((bytes - 1) / GRAIN);
		if (p) {
			memset(p, 0, bytes);
			return p;
		}
	}
	return __real_calloc(count, n);
}

void __wrap_free(void *p)
{
	if (!p)
		return;
	if (is_ours(p))
		pool_give(p);
	else
		__real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (!p)
		return __wrap_malloc(n);
	if (!is_ours(p))
		return __real_realloc(p, n);
	if (n == 0) {
		/* As the C runtime does: the block is freed and there is none to return. */
		pool_give(p);
		return NULL;
	}
	/* Read before the block may be given back: its page may then change class. */
	size_t have = class_bytes(page_of(p)->cls);
	if (n <= have)
		return p;
	void *q = __wrap_malloc(n);
	if (!q)
		return NULL; /* p is left as it was */
	memcpy(q, p, have);
	pool_give(p);
	return q;
}
