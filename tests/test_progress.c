/* test_progress.c - long work shows progress on a terminal and nothing
 * otherwise: rwkv-lua loads the model and prefills 64 tokens in chunks of 8,
 * once under a pty (stderr is a terminal) and once with pipes. */
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const char *script =
    "local m = rwkv.load(rwkv.default_model, {chunk = 8})\n"
    "m:forward(string.rep('abcdefgh', 8), m:state(), {output = 'none'})\n"
    "io.stdout:write('done\\n')\n";

/* Run rwkv-lua -e script with stdout+stderr captured; tty selects a pty. */
static int run(int tty, char *out, size_t cap) {
  const char *exe = RWKV_BUILD_DIR "/rwkv-lua";
  int fd = -1;
  pid_t pid;
  int pipefd[2];
  if (tty) {
    pid = forkpty(&fd, NULL, NULL, NULL);
  } else {
    if (pipe(pipefd) != 0) return -1;
    pid = fork();
    if (pid == 0) {
      dup2(pipefd[1], 1);
      dup2(pipefd[1], 2);
      close(pipefd[0]);
    }
    fd = pipefd[0];
  }
  if (pid < 0) return -1;
  if (pid == 0) {
    execl(exe, exe, "-e", script, (char *)NULL);
    _exit(127);
  }
  if (!tty) close(pipefd[1]);
  size_t n = 0;
  ssize_t r;
  while (n + 1 < cap && (r = read(fd, out + n, cap - 1 - n)) > 0) n += (size_t)r;
  out[n] = 0;
  close(fd);
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
  char buf[16384];
  CHECK(run(1, buf, sizeof buf) == 0);
  CHECK_MSG(strstr(buf, "prefill: 8/64 tokens") && strstr(buf, "prefill: 56/64 tokens"), "tty output: %s", buf);
  CHECK_MSG(strstr(buf, "loading model:") != NULL, "tty output: %s", buf);
  CHECK(strstr(buf, "done") != NULL);
  CHECK(run(0, buf, sizeof buf) == 0);
  CHECK_MSG(strcmp(buf, "done\n") == 0, "piped output: \"%s\"", buf);
  return test_result("test_progress");
}
