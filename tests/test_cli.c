/* test_cli.c - drives the built rwkv-lua binary (RWKV_BUILD_DIR "/rwkv-lua")
 * through /bin/sh and checks its output and exit status: options in lua's
 * conventions, the arg table, errors with tracebacks, stdin scripts, LUA_PATH
 * / LUA_INIT and -E, -W, --info. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define EXE RWKV_BUILD_DIR "/rwkv-lua"

typedef struct result {
  int status; /* exit status, or 128+signal */
  char *out, *err;
} result;

static char tmpdir[256];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* Run `sh -c "<cmd>"` with stdin from `in` (NULL: /dev/null); capture output. */
static result run(const char *cmd, const char *in) {
  char outp[300], errp[300], inp[300];
  snprintf(outp, sizeof outp, "%s/out", tmpdir);
  snprintf(errp, sizeof errp, "%s/err", tmpdir);
  snprintf(inp, sizeof inp, "%s/in", tmpdir);
  write_file(inp, in ? in : "");
  result r = {-1, NULL, NULL};
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(inp, "rb", stdin) || !freopen(outp, "wb", stdout) || !freopen(errp, "wb", stderr))
      _exit(126);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid)
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  size_t n;
  r.out = test_read_file(outp, &n);
  r.err = test_read_file(errp, &n);
  if (!r.out) r.out = calloc(1, 1);
  if (!r.err) r.err = calloc(1, 1);
  if (!r.out || !r.err) exit(2);
  return r;
}

static void done(result *r) {
  free(r->out);
  free(r->err);
}

/* Status must match; stdout and stderr must contain the given substrings. */
static void expect(const result *r, int status, const char *out_sub, const char *err_sub, int line) {
  test_checks++;
  const char *why = NULL;
  if (r->status != status) why = "status";
  else if (!strstr(r->out, out_sub)) why = "stdout";
  else if (!strstr(r->err, err_sub)) why = "stderr";
  if (!why) return;
  test_failures++;
  fprintf(stderr, "%s:%d: %s differs: status %d (want %d)\n--- stdout (want \"%s\"):\n%s\n--- stderr (want \"%s\"):\n%s\n",
          __FILE__, line, why, r->status, status, out_sub, r->out, err_sub, r->err);
}
#define EXPECT(r, st, o, e) expect(&(r), (st), (o), (e), __LINE__)

static result runf(const char *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static result runf(const char *in, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return run(cmd, in);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/rwkv_test_cli_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  char script[400], bad[400], synerr[400], mod[400];
  snprintf(script, sizeof script, "%s/script.lua", tmpdir);
  snprintf(bad, sizeof bad, "%s/bad.lua", tmpdir);
  snprintf(synerr, sizeof synerr, "%s/syn.lua", tmpdir);
  snprintf(mod, sizeof mod, "%s/mymod.lua", tmpdir);
  write_file(script, "print('args', arg[0] ~= nil, arg[-1], arg[1], arg[2], select('#', ...), ...)\n"
                     "print('neg', arg[-2])\n");
  write_file(bad, "local x = 1\nlocal function f() error('kaput') end\nf()\n");
  write_file(synerr, "x = = 1\n");
  write_file(mod, "return { x = 42 }\n");
  result r;

  /* -v */
  r = runf(NULL, "%s -v", EXE);
  EXPECT(r, 0, "rwkv-lua 0.1.0", "");
  CHECK(strstr(r.out, "Lua 5.4") != NULL);
  done(&r);

  /* -e, several in order, and `rwkv` as a global */
  r = runf(NULL, "%s -e 'x = 1 + 2' -e 'print(x, rwkv.version)'", EXE);
  EXPECT(r, 0, "3\t0.1.0", "");
  done(&r);
  r = runf(NULL, "%s '-eprint(7*6)'", EXE); /* concatenated argument */
  EXPECT(r, 0, "42\n", "");
  done(&r);

  /* script with args: arg table and ... */
  r = runf(NULL, "%s %s one two", EXE, script);
  EXPECT(r, 0, "args\ttrue\t" EXE "\tone\ttwo\t2\tone\ttwo\n", "");
  CHECK_MSG(strstr(r.out, "neg\tnil") != NULL, "%s", r.out);
  done(&r);
  r = runf(NULL, "%s -e 'y=1' %s a", EXE, script); /* options at negative indices */
  EXPECT(r, 0, "args\ttrue\ty=1\ta\tnil\t1\ta\n", "");
  CHECK_MSG(strstr(r.out, "neg\t-e") != NULL, "%s", r.out);
  done(&r);
  r = runf(NULL, "%s -- %s z", EXE, script); /* -- stops options */
  EXPECT(r, 0, "args\ttrue\t--\tz", "");
  done(&r);

  /* errors: message + traceback on stderr, status 1 */
  r = runf(NULL, "%s -e 'error(\"boom\")'", EXE);
  EXPECT(r, 1, "", "(command line):1: boom");
  CHECK(strstr(r.err, "stack traceback:") != NULL);
  done(&r);
  r = runf(NULL, "%s %s", EXE, bad);
  EXPECT(r, 1, "", "bad.lua:2: kaput");
  CHECK(strstr(r.err, "stack traceback:") != NULL && strstr(r.err, "in local 'f'") != NULL);
  done(&r);
  r = runf(NULL, "%s %s", EXE, synerr);
  EXPECT(r, 1, "", "syn.lua:1:");
  done(&r);
  r = runf(NULL, "%s /no/such/script.lua", EXE);
  EXPECT(r, 1, "", "cannot open /no/such/script.lua");
  done(&r);
  r = runf(NULL, "%s -e 'error({})'", EXE);
  EXPECT(r, 1, "", "(error object is a table value)");
  done(&r);
  r = runf(NULL, "%s -e 'error(setmetatable({}, {__tostring = function() return \"custom\" end}))'", EXE);
  EXPECT(r, 1, "", "custom");
  done(&r);
  r = runf(NULL, "%s -e 'os.exit(3)'", EXE);
  EXPECT(r, 3, "", "");
  done(&r);
  r = runf(NULL, "%s -e 'error(\"first\")' -e 'print(\"not reached\")'", EXE);
  EXPECT(r, 1, "", "first");
  CHECK(strstr(r.out, "not reached") == NULL);
  done(&r);

  /* bad options: usage, status 1 */
  r = runf(NULL, "%s -x", EXE);
  EXPECT(r, 1, "", "unrecognized option '-x'");
  CHECK(strstr(r.err, "usage:") != NULL);
  done(&r);
  r = runf(NULL, "%s -e", EXE);
  EXPECT(r, 1, "", "'-e' needs argument");
  done(&r);
  r = runf(NULL, "%s -l", EXE);
  EXPECT(r, 1, "", "'-l' needs argument");
  done(&r);
  r = runf(NULL, "%s -vx", EXE);
  EXPECT(r, 1, "", "usage:");
  done(&r);
  r = runf(NULL, "%s --bogus", EXE);
  EXPECT(r, 1, "", "usage:");
  done(&r);
  r = runf(NULL, "%s --help", EXE);
  EXPECT(r, 0, "", "usage:");
  done(&r);

  /* stdin: "-" with args, and no script on a non-tty stdin */
  r = runf("print('from stdin', ...)\n", "%s - a b", EXE);
  EXPECT(r, 0, "from stdin\ta\tb\n", "");
  done(&r);
  r = runf("print('piped', arg[0])\n", "%s", EXE);
  EXPECT(r, 0, "piped\t", "");
  done(&r);
  r = runf("error('in stdin')\n", "%s", EXE);
  EXPECT(r, 1, "", "stdin:1: in stdin");
  done(&r);
  r = runf("print('unused')\n", "%s -e 'print(1)'", EXE); /* -e: stdin not read */
  EXPECT(r, 0, "1\n", "");
  CHECK(strstr(r.out, "unused") == NULL);
  done(&r);

  /* -l mod, -l g=mod with LUA_PATH; -E ignores LUA_PATH and LUA_INIT */
  r = runf(NULL, "LUA_PATH='%s/?.lua;;' %s -l mymod -e 'print(mymod.x)'", tmpdir, EXE);
  EXPECT(r, 0, "42\n", "");
  done(&r);
  r = runf(NULL, "LUA_PATH='%s/?.lua;;' %s -l g=mymod -e 'print(g.x, mymod)'", tmpdir, EXE);
  EXPECT(r, 0, "42\tnil\n", "");
  done(&r);
  r = runf(NULL, "LUA_PATH='%s/?.lua;;' %s -E -l mymod -e 'print(mymod.x)'", tmpdir, EXE);
  EXPECT(r, 1, "", "module 'mymod' not found");
  done(&r);
  r = runf(NULL, "LUA_INIT='z = 5' %s -e 'print(z)'", EXE);
  EXPECT(r, 0, "5\n", "");
  done(&r);
  r = runf(NULL, "LUA_INIT='z = 5' LUA_INIT_5_4='z = 6' %s -e 'print(z)'", EXE);
  EXPECT(r, 0, "6\n", "");
  done(&r);
  r = runf(NULL, "LUA_INIT='@%s' %s -e 'print(\"after\")'", mod, EXE);
  EXPECT(r, 0, "after\n", "");
  done(&r);
  r = runf(NULL, "LUA_INIT='z = 5' %s -E -e 'print(z)'", EXE);
  EXPECT(r, 0, "nil\n", "");
  done(&r);
  r = runf(NULL, "LUA_INIT='error(\"initfail\")' %s -e 'print(1)'", EXE);
  EXPECT(r, 1, "", "initfail");
  done(&r);

  /* package.path: the project's lua/ dir first, LUA_PATH still honoured */
  r = runf(NULL, "LUA_PATH='/xyz/?.lua' %s -e 'print(package.path)'", EXE);
  EXPECT(r, 0, RWKV_SOURCE_DIR "/lua/?.lua;" RWKV_SOURCE_DIR "/lua/?/init.lua;/xyz/?.lua", "");
  done(&r);

  /* -W turns warnings on */
  r = runf(NULL, "%s -W -e 'warn(\"careful\")'", EXE);
  EXPECT(r, 0, "", "Lua warning: careful");
  done(&r);
  r = runf(NULL, "%s -e 'warn(\"quiet\")'", EXE);
  EXPECT(r, 0, "", "");
  CHECK(strstr(r.err, "quiet") == NULL);
  done(&r);

  /* --info: GPU / EGL facts */
  r = runf(NULL, "%s --info", EXE);
  EXPECT(r, 0, "renderer:", "");
  CHECK(strstr(r.out, "version:") != NULL && strstr(r.out, "OpenGL ES") != NULL);
  done(&r);

  /* embedded module from a script */
  r = runf(NULL, "%s -e 'local v = rwkv.vector{3,4}; print(v:norm(), #v)'", EXE);
  EXPECT(r, 0, "5.0\t2\n", "");
  done(&r);

  char rm[400];
  snprintf(rm, sizeof rm, "rm -rf '%s'", tmpdir);
  if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  return test_result("test_cli");
}
