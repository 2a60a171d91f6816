<?php
/**
 * Old Flattr buttons in existing posts, brought back when the post is shown (the stored post is not
 * changed, so deactivating the plugin gives the original back):
 *
 * - `<a class="FlattrButton" href="…" title="…" rev="flattr;uid:alice;button:compact;…" data-flattr-*>` →
 *   `<flattr-button>` as the service's loader would make it (old buttons showed counts; the default was
 *   the large one), but already in the HTML: readers without JavaScript and feed readers get a working link;
 * - static links to `flattr.com/submit/auto?url=…&user_id=…&title=…` (with or without a badge image) and
 *   `api.flattr.com/button/view/?url=…` iframes → `<flattr-button>` for that url;
 * - the old loader (`<script>` loading `api.flattr.com/js/…/load.js`) and `<noscript>` badges linking to
 *   flattr.com are removed: that service is gone, and they would load or link nothing.
 *
 * Links to `flattr.com/thing/<number>` outside a <noscript> are left alone: they do not say which page
 * they were for.
 */

defined( 'ABSPATH' ) || exit;

add_filter( 'the_content', 'flattr_button_upgrade_legacy_markup', 8 );

/** Old Flattr's option names in `rev` and `data-flattr-*`. */
const FLATTR_BUTTON_LEGACY_KEYS = array( 'uid', 'button', 'category', 'tags', 'language', 'url', 'title', 'hidden' );

/**
 * @param string $content A post's content.
 */
function flattr_button_upgrade_legacy_markup( $content ) {
	if ( false === stripos( $content, 'flattr' ) || ! flattr_button_api() ) {
		return $content;
	}

	// Old loaders: an external <script src=…api.flattr.com/js/…> or the inline snippet that added one.
	$content = preg_replace_callback(
		'#<script\b[^>]*>.*?</script>\s*#is',
		function ( $m ) {
			return preg_match( '#(?:api\.)?flattr\.com/js/#i', $m[0] ) ? '' : $m[0];
		},
		$content
	);
	// <noscript> fallbacks of those loaders: only a link (maybe with a badge) to flattr.com.
	$content = preg_replace( '#<noscript>\s*<a\b[^>]*\bhref=["\']?https?://(?:www\.|api\.)?flattr\.com/[^>]*>.*?</a>\s*</noscript>\s*#is', '', $content );

	$content = preg_replace_callback( '#<a\b([^>]*)>(.*?)</a>#is', 'flattr_button_upgrade_legacy_link', $content );
	$content = preg_replace_callback( '#<iframe\b([^>]*)>\s*</iframe>#is', 'flattr_button_upgrade_legacy_iframe', $content );
	return $content;
}

/** The attributes of a start tag as name => decoded value (names lower-cased). */
function flattr_button_legacy_attributes( $attributes ) {
	$values = array();
	foreach ( wp_kses_hair( $attributes, array( 'http', 'https' ) ) as $name => $attribute ) {
		$values[ $name ] = html_entity_decode( $attribute['value'], ENT_QUOTES, 'UTF-8' );
	}
	return $values;
}

/** `flattr;uid:alice;button:compact;` → options (`=` is accepted as separator too, as some generators wrote). */
function flattr_button_parse_rev( $rev ) {
	$options = array();
	foreach ( explode( ';', (string) $rev ) as $part ) {
		if ( preg_match( '/^\s*([a-z]+)\s*[:=]\s*(.*?)\s*$/i', $part, $m ) && in_array( strtolower( $m[1] ), FLATTR_BUTTON_LEGACY_KEYS, true ) ) {
			$options[ strtolower( $m[1] ) ] = $m[2];
		}
	}
	return $options;
}

/** The query of an old flattr.com URL when it is one of `$paths` (e.g. '/submit/auto'), else null. */
function flattr_button_flattr_com_query( $url, array $paths ) {
	$parts = wp_parse_url( $url );
	if ( ! is_array( $parts ) || ! preg_match( '/^(?:www\.|api\.)?flattr\.com$/i', $parts['host'] ?? '' ) ) {
		return null;
	}
	if ( ! in_array( untrailingslashit( strtolower( $parts['path'] ?? '' ) ), $paths, true ) ) {
		return null;
	}
	parse_str( $parts['query'] ?? '', $query );
	return $query;
}

/** @param array $m [whole link, its attributes, its content] */
function flattr_button_upgrade_legacy_link( $m ) {
	$attributes = flattr_button_legacy_attributes( $m[1] );
	$classes    = preg_split( '/\s+/', $attributes['class'] ?? '' );

	if ( in_array( 'FlattrButton', $classes, true ) ) {
		$options = flattr_button_parse_rev( $attributes['rev'] ?? ( $attributes['rel'] ?? '' ) );
		foreach ( FLATTR_BUTTON_LEGACY_KEYS as $key ) {
			if ( isset( $attributes[ 'data-flattr-' . $key ] ) ) {
				$options[ $key ] = $attributes[ 'data-flattr-' . $key ];
			}
		}
		$url = ! empty( $options['url'] ) ? $options['url'] : ( $attributes['href'] ?? '' );
		if ( '' === $url ) {
			$url = get_permalink();
		}
		$title = ! empty( $options['title'] ) ? $options['title'] : ( ! empty( $attributes['title'] ) ? $attributes['title'] : wp_strip_all_tags( $m[2] ) );
		$html  = flattr_button_markup(
			array(
				'url'        => $url,
				'title'      => '' !== trim( $title ) ? $title : get_the_title(),
				'creator'    => $options['uid'] ?? flattr_button_settings()['creator'],
				'size'       => 'compact' === ( $options['button'] ?? '' ) ? 'compact' : 'large',
				'show_count' => true,
				'lang'       => str_replace( '_', '-', $options['language'] ?? '' ),
				'category'   => $options['category'] ?? '',
				'tags'       => $options['tags'] ?? '',
			)
		);
		return '' === $html ? $m[0] : $html;
	}

	$query = flattr_button_flattr_com_query( $attributes['href'] ?? '', array( '/submit/auto' ) );
	if ( null === $query || empty( $query['url'] ) || ! is_string( $query['url'] ) ) {
		return $m[0];
	}
	$html = flattr_button_markup( flattr_button_legacy_query_args( $query ) );
	return '' === $html ? $m[0] : $html;
}

/** @param array $m [whole iframe, its attributes] */
function flattr_button_upgrade_legacy_iframe( $m ) {
	$attributes = flattr_button_legacy_attributes( $m[1] );
	$query      = flattr_button_flattr_com_query( $attributes['src'] ?? '', array( '/button/view' ) );
	if ( null === $query || empty( $query['url'] ) || ! is_string( $query['url'] ) ) {
		return $m[0];
	}
	$args         = flattr_button_legacy_query_args( $query );
	$args['size'] = 'compact' === ( $query['button'] ?? '' ) ? 'compact' : 'large';
	$html         = flattr_button_markup( $args );
	return '' === $html ? $m[0] : $html;
}

/** Button arguments from an old URL's query (url, title, user_id or uid, language, category, tags). */
function flattr_button_legacy_query_args( array $query ) {
	$text = function ( $key ) use ( $query ) {
		return isset( $query[ $key ] ) && is_string( $query[ $key ] ) ? $query[ $key ] : '';
	};
	$creator = '' !== $text( 'user_id' ) ? $text( 'user_id' ) : $text( 'uid' );
	return array(
		'url'      => $text( 'url' ),
		'title'    => '' !== $text( 'title' ) ? $text( 'title' ) : get_the_title(),
		'creator'  => '' !== $creator ? $creator : flattr_button_settings()['creator'],
		'lang'     => str_replace( '_', '-', $text( 'language' ) ),
		'category' => $text( 'category' ),
		'tags'     => $text( 'tags' ),
	);
}
