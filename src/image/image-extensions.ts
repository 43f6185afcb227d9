/** File extensions taken as images when listing directories (files named explicitly are taken whatever their name). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.tif', '.tiff'];
