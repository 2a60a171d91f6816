<?php
/**
 * The markup of one button, and the plain link to the service that stands in for it where no script runs
 * (inside the element, in feeds, in rel="payment").
 */

defined( 'ABSPATH' ) || exit;

/**
 * The service's page for flattring one thing without JavaScript: `/flattr?url=…&title=…&creator=…` opens
 * the same confirm step as the button, as a full page, and returns the reader to the post. Feed readers and
 * the service's discovery (`rel="payment"`) read the same link. '' until the service is set.
 *
 * @param string $url     The thing (a post's permalink).
 * @param string $title   Its title, as plain text.
 * @param string $creator The creator's name as the button shows it (a claim), or ''.
 */
function flattr_button_link_url( $url, $title, $creator = '' ) {
	$api = flattr_button_api();
	if ( ! $api || ! $url ) {
		return '';
	}
	$query = array( 'url' => $url );
	if ( '' !== $title ) {
		$query['title'] = $title;
	}
	if ( '' !== $creator ) {
		$query['creator'] = $creator;
	}
	return $api . '/flattr?' . http_build_query( $query, '', '&', PHP_QUERY_RFC3986 );
}

/**
 * Markup for one button. Inside the element goes the plain link: the element does not render it, so readers
 * without JavaScript (and feed readers, which get only the link) can still flattr.
 *
 * @param array $args url, title, creator, size ('compact'|'large'), show_count (bool), lang, category, tags.
 */
function flattr_button_markup( array $args ) {
	$settings = flattr_button_settings();
	$args     = wp_parse_args(
		$args,
		array(
			'url'        => get_permalink(),
			'title'      => get_the_title(),
			'creator'    => $settings['creator'],
			'size'       => $settings['size'],
			'show_count' => $settings['show_count'],
			'lang'       => '',
			'category'   => '',
			'tags'       => '',
		)
	);
	$url   = esc_url_raw( (string) $args['url'], array( 'http', 'https' ) );
	$title = trim( html_entity_decode( wp_strip_all_tags( (string) $args['title'] ), ENT_QUOTES, 'UTF-8' ) );
	if ( '' === $url || ! flattr_button_api() ) {
		return '';
	}

	/* translators: %s: the post's title */
	$label = '' !== $title ? sprintf( __( 'Flattr %s', 'flattr-button' ), $title ) : __( 'Flattr this', 'flattr-button' );
	$link  = sprintf( '<a href="%s" rel="payment">%s</a>', esc_url( flattr_button_link_url( $url, $title, (string) $args['creator'] ) ), esc_html( $label ) );
	if ( is_feed() ) {
		return $link;
	}

	$size       = in_array( $args['size'], array( 'compact', 'large' ), true ) ? $args['size'] : 'compact';
	$attributes = array(
		'url'      => $url,
		'title'    => $title,
		'creator'  => (string) $args['creator'],
		'size'     => $size,
		'lang'     => (string) $args['lang'],
		'category' => (string) $args['category'],
		'tags'     => (string) $args['tags'],
	);
	$html = '<flattr-button';
	foreach ( $attributes as $name => $value ) {
		if ( '' !== $value ) {
			$html .= sprintf( ' %s="%s"', $name, 'url' === $name ? esc_url( $value ) : esc_attr( $value ) );
		}
	}
	if ( filter_var( $args['show_count'], FILTER_VALIDATE_BOOLEAN ) ) {
		$html .= ' show-count';
	}
	return $html . '>' . $link . '</flattr-button>';
}
