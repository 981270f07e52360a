#include "zconf.h"
#define ZLIB_VERSION "1.3.1"
#define Z_OK 0
#define Z_NULL 0
typedef voidpf (*alloc_func)(voidpf opaque, uInt items, uInt size);
typedef struct z_stream_s {
    z_const Bytef *next_in;
    uInt avail_in;
    uLong total_in;
    alloc_func zalloc;
    voidpf opaque;
} z_stream;
typedef z_stream FAR *z_streamp;
ZEXTERN const char * ZEXPORT zlibVersion(void);
ZEXTERN int ZEXPORT deflateInit_(z_streamp strm, int level, const char *version, int stream_size);
#define deflateInit(strm, level) deflateInit_((strm), (level), ZLIB_VERSION, (int)sizeof(z_stream))
ZEXTERN int ZEXPORTVA gzprintf OF((voidp file, const char *format, ...));
ZEXTERN z_off_t ZEXPORT gzseek(voidp file, z_off_t offset, int whence);
