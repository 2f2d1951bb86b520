/**
 * Version of the text pipeline (loaders: Markdown/HTML clean text, table rows, PDF reflow). Bump it with
 * any change that alters the text extracted from the same bytes: it is part of every document's
 * chunker key, so the next `kb index` re-processes the documents built by an older pipeline, and only those.
 */
export const TEXT_PIPELINE_VERSION = 2;
