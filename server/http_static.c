/*
 * The widget, the demo page and the dashboard, served from memory.
 *
 * The files are read once at start from the web root, so a request never
 * touches the disk and a missing file is found at start, not by a visitor.
 * Only an explicit table of URL -> file is served: no path from a request ever
 * reaches the file system.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libwebsockets.h>
#include "http_internal.h"
#include "parley/common.h"

struct page { char *url; char *data; size_t len; const char *type; };

static struct page *pages;
static size_t n_pages;

static const char *type_of(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
        {".json", "application/json"}, {".wav", "audio/wav"}, {".mp3", "audio/mpeg"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < PL_ARRAY_LEN(types); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return NULL;
}

static int add_page(const char *url, const char *file)
{
    const char *type = type_of(file);
    if (!type)
        return 0;
    FILE *f = fopen(file, "rb");
    if (!f)
        return -1;
    struct stat st;
    char *data = NULL;
    if (fstat(fileno(f), &st) == 0 && (data = malloc((size_t)st.st_size + 1)) &&
        fread(data, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
        struct page *p = realloc(pages, (n_pages + 1) * sizeof(*p));
        if (p) {
            pages = p;
            pages[n_pages] = (struct page){strdup(url), data, (size_t)st.st_size, type};
            if (pages[n_pages].url) {
                n_pages++;
                fclose(f);
                return 0;
            }
        }
    }
    free(data);
    fclose(f);
    return -1;
}

static int add_dir(const char *root, const char *sub, const char *prefix)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", root, sub);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char file[2048], url[1024];
        snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(file, &st) || !S_ISREG(st.st_mode))
            continue;
        snprintf(url, sizeof(url), "%s%s", prefix,
                 strcmp(e->d_name, "index.html") ? e->d_name : "");
        rc = add_page(url, file);
    }
    closedir(d);
    return rc;
}

int http_static_init(const char *root)
{
    char file[1024];
    snprintf(file, sizeof(file), "%s/widget.js", root);
    if (add_page("/widget.js", file)) {
        lwsl_err("web root %s: cannot read widget.js\n", root);
        return -1;
    }
    snprintf(file, sizeof(file), "%s/widget.css", root);
    if (add_page("/widget.css", file)) {
        lwsl_err("web root %s: cannot read widget.css\n", root);
        return -1;
    }
    snprintf(file, sizeof(file), "%s/demo.html", root);
    if (add_page("/", file)) {
        lwsl_err("web root %s: cannot read demo.html\n", root);
        return -1;
    }
    return add_dir(root, "dashboard", "/agent/");
}

void http_static_free(void)
{
    for (size_t i = 0; i < n_pages; i++) {
        free(pages[i].url);
        free(pages[i].data);
    }
    free(pages);
    pages = NULL;
    n_pages = 0;
}

int http_static_serve(struct http_req *r)
{
    if (r->method != HTTP_GET && r->method != HTTP_HEAD)
        return 0;
    for (size_t i = 0; i < n_pages; i++)
        if (!strcmp(pages[i].url, r->path)) {
            http_respond_static(r, pages[i].type, pages[i].data, pages[i].len,
                                "Cache-Control: no-cache\r\n");
            return 1;
        }
    return 0;
}
