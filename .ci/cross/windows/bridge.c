// A Windows stand-in for a Linux tool (the C compiler, go), for tests run
// under Wine: Node's child processes under Wine cannot wait for a Linux
// program, so this forwards its name, directory and arguments to
// bridge.js on the Linux side and relays that tool's output and exit code.
// Built with mingw at CI time; its file name (without .exe) names the tool.
#include <winsock2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SOCKET s = INVALID_SOCKET;

static void die(const char *what) {
  fprintf(stderr, "wine bridge: %s (error %d)\n", what, WSAGetLastError());
  exit(127);
}

static void put(const char *p, int n) {
  while (n > 0) {
    int k = send(s, p, n, 0);
    if (k <= 0) die("send failed");
    p += k;
    n -= k;
  }
}

static void get(char *p, int n) {
  while (n > 0) {
    int k = recv(s, p, n, 0);
    if (k <= 0) die("the bridge closed the connection");
    p += k;
    n -= k;
  }
}

static void put_str(const char *str) {
  unsigned len = (unsigned)strlen(str);
  put((const char *)&len, 4);
  put(str, (int)len);
}

int main(int argc, char **argv) {
  const char *port = getenv("CSHARED_WINE_BRIDGE");
  if (!port) {
    fprintf(stderr, "wine bridge: CSHARED_WINE_BRIDGE (the port of bridge.js) is not set\n");
    return 127;
  }
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa)) die("WSAStartup failed");
  s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) die("socket failed");
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) die("cannot connect to bridge.js");

  // The tool: this program's file name without directory and .exe.
  char exe[MAX_PATH];
  DWORD n = GetModuleFileNameA(NULL, exe, sizeof exe);
  if (n == 0 || n >= sizeof exe) die("GetModuleFileName failed");
  char *name = strrchr(exe, '\\');
  name = name ? name + 1 : exe;
  char *dot = strrchr(name, '.');
  if (dot) *dot = 0;
  char cwd[MAX_PATH];
  if (!GetCurrentDirectoryA(sizeof cwd, cwd)) die("GetCurrentDirectory failed");

  // Two lists: name, cwd and the arguments; then the environment.
  unsigned count = (unsigned)argc + 1;
  put((const char *)&count, 4);
  put_str(name);
  put_str(cwd);
  for (int i = 1; i < argc; i++) put_str(argv[i]);
  char *env = GetEnvironmentStringsA();
  count = 0;
  for (char *e = env; *e; e += strlen(e) + 1) count++;
  put((const char *)&count, 4);
  for (char *e = env; *e; e += strlen(e) + 1) put_str(e);

  // Frames: 1 byte stream (1 stdout, 2 stderr, 3 exit), 4 bytes length or code.
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), err = GetStdHandle(STD_ERROR_HANDLE);
  static char buf[65536];
  for (;;) {
    unsigned char kind;
    unsigned len;
    get((char *)&kind, 1);
    get((char *)&len, 4);
    if (kind == 3) return (int)len;
    while (len > 0) {
      int k = len > sizeof buf ? (int)sizeof buf : (int)len;
      get(buf, k);
      DWORD w;
      WriteFile(kind == 1 ? out : err, buf, (DWORD)k, &w, NULL);
      len -= (unsigned)k;
    }
  }
}
