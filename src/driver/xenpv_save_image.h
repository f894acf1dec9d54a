/*
 * xenpv_save_image.h: the save image file (docs/save-format.md): our
 * header, the domain XML, then the back end's save stream.
 */
#pragma once

#include "xenpv_driver.h"

#define XENPV_SAVE_MAGIC_LEN 16
#define XENPV_SAVE_STREAM_FORMAT_LEN 16

/* What the guest was doing when saved, so that a restore resumes it so. */
#define XENPV_SAVE_FLAG_RUNNING (1U << 0)
#define XENPV_SAVE_FLAG_PAUSED (1U << 1)

/* The fixed header as it is on disk: little-endian, no padding. */
typedef struct _xenpvSaveHeader xenpvSaveHeader;
struct _xenpvSaveHeader {
    char magic[XENPV_SAVE_MAGIC_LEN];
    uint32_t version;
    uint32_t headerSize;
    uint32_t xmlLen;            /* with its terminating NUL */
    uint32_t flags;
    uint32_t width;             /* guest word size in bytes */
    uint32_t levels;            /* guest page-table levels */
    char abi[32];               /* "xen-3.0-x86_64", NUL padded */
    uint64_t streamOffset;
    uint64_t streamLength;      /* 0: a save that never finished */
    char streamFormat[XENPV_SAVE_STREAM_FORMAT_LEN];   /* the back end's, NUL padded */
    uint32_t streamVersion;
    uint8_t reserved[20];
};

/* A save image read back: its header in host order, and its XML. */
typedef struct _xenpvSaveImage xenpvSaveImage;
struct _xenpvSaveImage {
    xenpvSaveHeader hdr;
    xenpvGuestAbi abi;
    xenpvContainer container;   /* what the stream restores into */
    char *xml;
};

void xenpvSaveImageClear(xenpvSaveImage *img);

/* Open @path and read its header and XML; the returned fd is positioned
 * at the start of the back end's stream.  The stream format is read, not
 * checked (the definition of any image can be looked at). */
int xenpvSaveImageOpen(const char *path, xenpvSaveImage *img);

/* xenpvSaveImageOpen, and the image's definition parsed into *@def; the
 * container the stream restores into is learnt from its format. */
int xenpvSaveImageLoad(xenpvDriver *driver, const char *path,
                       xenpvSaveImage *img, virDomainDef **def);

/* Before a restore: can this host's back end read the image's stream? */
int xenpvSaveImageCheckStream(xenpvDriver *driver, const xenpvSaveImage *img,
                              const char *path);

/* The definition a save image holds, as the *GetXMLDesc entry points give
 * it (@flags: VIR_DOMAIN_SAVE_IMAGE_XML_SECURE). */
char *xenpvSaveImageFormatDef(xenpvDriver *driver, virDomainDef *def, unsigned int flags);

/* Write header and XML, padded to where the stream starts (*@streamOffset);
 * the back end writes a stream of @streamFormat and @streamVersion. */
int xenpvSaveImageWriteHeader(int fd, const char *path, const char *xml,
                              xenpvGuestAbi abi, const char *streamFormat,
                              unsigned int streamVersion, uint32_t flags,
                              uint64_t *streamOffset);

/* Record the stream's length once the back end has written it: an image
 * without one is a save that never finished. */
int xenpvSaveImageFinish(int fd, const char *path, uint64_t streamOffset);
