package io.github.wisesrnet.data;

/**
 * Loading a batch of images failed: an image could not be decoded in strict mode, or a loader thread failed. Thrown
 * by {@link ImageBatchIterator#next()} on the caller's thread, with the loader thread's exception as the cause.
 */
public class ImageLoadingException extends RuntimeException {

    /**
     * @param message what failed, naming the image where known
     * @param cause   the decoder's or loader thread's exception
     */
    public ImageLoadingException(String message, Throwable cause) {
        super(message, cause);
    }
}
